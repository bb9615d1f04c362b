import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { FileBytes } from "../../runtime/http/file-bytes.js";
import { describeVersion, openRegularFile, release } from "../../runtime/http/file-read.js";
import type { Request } from "../../runtime/http/request.js";
import type { Response, ResponseBody } from "../../runtime/http/response.js";

/** The dev-only Server-Sent Events endpoint the injected client listens on. */
export const LIVE_PATH = "/__tina4/live";

/**
 * The injected client (about 0.6 KB). `reload` reloads the page; `css` swaps same-origin
 * stylesheets (the changed one, or all when none matches) without a reload; a `hello` with
 * a different build id after a reconnect means a reload was missed while disconnected.
 */
export const LIVE_CLIENT =
  `<script data-tina4-live>(()=>{if(!window.EventSource)return;let b;const s=new EventSource(${JSON.stringify(LIVE_PATH)});` +
  `s.addEventListener("hello",e=>{if(b&&b!==e.data)location.reload();b=e.data});` +
  `s.addEventListener("reload",()=>location.reload());` +
  `s.addEventListener("css",e=>{const ls=[...document.querySelectorAll('link[rel~="stylesheet"]')].filter(l=>new URL(l.href,location.href).origin===location.origin);` +
  `const m=ls.filter(l=>new URL(l.href,location.href).pathname===e.data);for(const l of m.length?m:ls){const u=new URL(l.href,location.href);` +
  `u.searchParams.set("t",Date.now());const n=l.cloneNode();n.href=u.href;n.onload=n.onerror=()=>l.remove();l.after(n)}})})();</script>`;

const clientBuffer = Buffer.from(LIVE_CLIENT);
const clientBytes = clientBuffer.length;

/**
 * `Connection: close`: when a stream ends (its worker retires after "reload"), its connection
 * must not go back to the browser's pool, or the reload could be sent over it to the old worker.
 */
const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  connection: "close",
  "x-accel-buffering": "no",
} as const;

/** The SSE clients connected to this worker. */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly ping: NodeJS.Timeout;

  constructor(private readonly buildId: string) {
    this.ping = setInterval(() => this.write(": ping\n\n"), 15_000);
    this.ping.unref();
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, STREAM_HEADERS);
    res.write(`retry: 300\nevent: hello\ndata: ${this.buildId}\n\n`);
    this.clients.add(res);
    req.socket.setTimeout(0);
    res.on("close", () => this.clients.delete(res));
  }

  /**
   * A retiring worker's answer to a stream request: end at once, so the client reconnects
   * (after `retry`) on a new connection, which reaches the serving worker.
   */
  redirectElsewhere(res: ServerResponse): void {
    res.writeHead(200, STREAM_HEADERS);
    res.end("retry: 300\n\n");
  }

  send(event: string, data = ""): void {
    this.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  /** Ends every stream (after an optional last event) so a draining server can close. */
  closeAll(event?: string): void {
    clearInterval(this.ping);
    if (event) this.send(event);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}

/**
 * Uncompressed `text/html` with a body the browser renders (not 204/304, not 1xx), and whole:
 * a byte range (206) must carry exactly the bytes its Content-Range names.
 */
function takesClient(res: Response): boolean {
  const status = res.statusCode;
  const encoding = res.headers["content-encoding"];
  return (
    String(res.headers["content-type"] ?? "").startsWith("text/html") &&
    (encoding === undefined || encoding === "identity") &&
    status >= 200 && status !== 204 && status !== 206 && status !== 304
  );
}

/** Before `</body>` when the page has one, else at the end (browsers parse it into the body too). */
function beforeBodyEnd(page: string | Buffer): string | Buffer {
  if (typeof page === "string") {
    const at = page.lastIndexOf("</body>");
    return at >= 0 ? page.slice(0, at) + LIVE_CLIENT + page.slice(at) : page + LIVE_CLIENT;
  }
  const at = page.lastIndexOf("</body>");
  return at >= 0 ? Buffer.concat([page.subarray(0, at), clientBuffer, page.subarray(at)]) : Buffer.concat([page, clientBuffer]);
}

type FilePayload = Extract<ResponseBody, { kind: "file" }>;

function followedByClient(source: Readable): Readable {
  const body = Readable.from(
    (async function* () {
      yield* source;
      yield clientBuffer;
    })(),
    { objectMode: false },
  );
  // destroyed before it was read (the client left), the generator never starts: release the source (a file descriptor) too
  body.once("close", () => source.destroy());
  return body;
}

/** A declared Content-Length (static files have one) grows by the client's size. */
function growContentLength(res: Response): void {
  const length = res.headers["content-length"];
  if (length !== undefined) res.headers["content-length"] = Number(length) + clientBytes;
}

/**
 * The file, then the client. The file is opened and fstat'ed once (file-read.ts), as commit
 * does: the headers are made to describe that version (Content-Length, ETag, Last-Modified)
 * before the client's bytes are added, and the body is read from that descriptor, no further
 * than announced (an error, so a cut, if it ends short). Reading it again by path sent a page
 * edited since under the old length: a keep-alive connection took its tail for the next
 * response, or waited for bytes that never came (test/dev/live-reload-file-changes.test.ts).
 * Nothing when it is not a regular file: commit then answers as for any file (404 when it
 * cannot be opened or is a directory).
 */
async function fileFollowedByClient(payload: FilePayload, res: Response): Promise<ResponseBody | void> {
  const file = await openRegularFile(payload.path);
  if (file === null) return;
  if (res.raw.destroyed) return void release(file); // the client left while it opened: nothing will read it
  describeVersion(res.headers, payload, file.stats);
  const announced = Number(res.headers["content-length"]);
  const body = new FileBytes(file.fd, 0, Number.isInteger(announced) && announced >= 0 ? announced - 1 : Infinity);
  growContentLength(res);
  return { kind: "stream", stream: followedByClient(body) };
}

/**
 * The onSend hook that adds the live-reload client to HTML pages (Content-Length adjusted):
 * in-memory bodies get it before `</body>`, streamed and static files at the end. HEAD and
 * compressed responses are left alone; so are bodies a handler writes to `res.raw` itself.
 */
export function injectLiveClient(req: Request, res: Response, payload: ResponseBody): ResponseBody | Promise<ResponseBody | void> | void {
  if (req.method === "HEAD" || !takesClient(res)) return;
  switch (payload.kind) {
    case "data":
      return { kind: "data", data: beforeBodyEnd(payload.data) };
    case "none":
      return { kind: "data", data: LIVE_CLIENT };
    case "stream":
      growContentLength(res);
      return { kind: "stream", stream: followedByClient(payload.stream) };
    case "file":
      return fileFollowedByClient(payload, res);
  }
}
