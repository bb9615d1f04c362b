import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

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

const clientBytes = Buffer.byteLength(LIVE_CLIENT);

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

function headerOf(headers: OutgoingHttpHeaders | undefined, res: ServerResponse, name: string): { key?: string; value: unknown } {
  if (headers) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return { key, value: headers[key] };
  }
  return { value: res.getHeader(name) };
}

/**
 * Makes `res` append the live-reload client to an HTML body (before `</body>` when the body
 * is written in one piece, else at the end, which browsers parse into the body too).
 * Only uncompressed `text/html` responses with a body are touched; Content-Length is
 * adjusted. Works whatever wrote the body (data, file or stream payloads, raw writes).
 */
export function injectLiveClient(res: ServerResponse): void {
  let inject = false;
  const writeHead = res.writeHead;
  const end = res.end;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const headers = rest.find((item): item is OutgoingHttpHeaders => typeof item === "object" && item !== null && !Array.isArray(item));
    const type = String(headerOf(headers, this, "content-type").value ?? "");
    const encoding = headerOf(headers, this, "content-encoding").value;
    if (type.startsWith("text/html") && (encoding === undefined || encoding === "identity") && status >= 200 && status !== 204 && status !== 304) {
      inject = true;
      const length = headerOf(headers, this, "content-length");
      if (length.value !== undefined) {
        const next = Number(length.value) + clientBytes;
        if (length.key && headers) headers[length.key] = next;
        else this.setHeader("content-length", next);
      }
    }
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse["writeHead"];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (inject) {
      inject = false;
      const chunk = args[0];
      if (typeof chunk === "string" && typeof args[1] !== "string") {
        const at = chunk.lastIndexOf("</body>");
        args[0] = at >= 0 ? chunk.slice(0, at) + LIVE_CLIENT + chunk.slice(at) : chunk + LIVE_CLIENT;
      } else if (Buffer.isBuffer(chunk)) {
        const at = chunk.lastIndexOf("</body>");
        const client = Buffer.from(LIVE_CLIENT);
        args[0] = at >= 0 ? Buffer.concat([chunk.subarray(0, at), client, chunk.subarray(at)]) : Buffer.concat([chunk, client]);
      } else if (chunk !== undefined && typeof chunk !== "function") {
        this.write(chunk as string, args[1] as BufferEncoding);
        args.splice(0, typeof args[1] === "string" ? 2 : 1, LIVE_CLIENT);
      } else {
        args.unshift(LIVE_CLIENT);
      }
    }
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["end"];
}
