import { close, stat, type Stats } from "node:fs";
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { renderError } from "./error-response.js";
import { HttpError, HttpErrorCode } from "./errors.js";
import { sameFile, rebaseFileHeaders } from "./file-basis.js";
import { FileBytes, openFile } from "./file-bytes.js";
import type { Request } from "./request.js";
import type { HeaderValue, Response } from "./response.js";

/**
 * Writes the pending response to the socket: status, headers (plus X-Request-ID and an
 * exact Content-Length for in-memory bodies) and the body. A handler that wrote to the
 * raw response itself is left alone.
 */
export function commit(req: Request, res: Response, closeConnection: boolean): void {
  const raw = res.raw;
  const payload = res.payload;
  if (raw.headersSent || raw.writableEnded || raw.destroyed) {
    // a body that can never go out (its client has gone) is closed: it may hold a file or a query
    if (raw.destroyed && payload.kind === "stream") payload.stream.destroy();
    return;
  }
  const headers = res.headers;
  switch (payload.kind) {
    case "data": {
      const data = payload.data;
      const length = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, length));
      raw.end(data);
      return;
    }
    case "none": {
      const status = res.statusCode;
      const length = status !== 204 && status !== 304 && headers["content-length"] === undefined ? 0 : undefined;
      raw.writeHead(status, headerList(headers, req.requestId, closeConnection, length));
      raw.end();
      return;
    }
    case "stream":
      if (req.method === "HEAD") return commitStreamHead(req, res, payload.stream, closeConnection);
      raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, undefined));
      sendStream(payload.stream, raw);
      return;
    case "file":
      commitFile(req, res, payload, closeConnection);
      return;
  }
}

/**
 * Streams a body (res.stream(), a 206's byte range) to the client with pipe() and two listeners,
 * keeping what pipeline() gave for ≈ 80-100 µs less server CPU per response (A/B in the commit message):
 * the source failing mid-body destroys the connection (the client sees a cut body, never a short
 * one that looks complete), and the client leaving (or the socket failing) destroys the source,
 * so it closes its file or whatever it holds. pipe() keeps to the socket's backpressure.
 */
function sendStream(body: Readable, raw: ServerResponse): void {
  if (body.destroyed) return void raw.destroy(); // already failed or abandoned: it will never end
  body.on("error", () => raw.destroy()); // `on`, not `once`: a second error must not go unhandled
  raw.once("close", () => body.destroy()); // a no-op once the body has ended
  body.pipe(raw);
}

/**
 * A HEAD answered by GET's handler with a stream: GET's headers, and the stream destroyed
 * unread, so whatever it holds (a file, a query, a generator) is released. Node writes no body
 * for a HEAD: piping would read the whole stream for nothing, and an endless one would never
 * end the answer. No Content-Length is added (GET has none unless the handler set one); where
 * GET's body would go out chunked, the HEAD says `Transfer-Encoding: chunked` as GET does
 * (RFC 9112 §6.1) — without either, Node's own client agent drops the keep-alive connection.
 */
function commitStreamHead(req: Request, res: Response, body: Readable, closeConnection: boolean): void {
  body.destroy();
  const raw = res.raw;
  const headers = res.headers;
  const list = headerList(headers, req.requestId, closeConnection, undefined);
  const status = res.statusCode;
  if (headers["content-length"] === undefined && headers["transfer-encoding"] === undefined && raw.useChunkedEncodingByDefault && status >= 200 && status !== 204 && status !== 304) {
    list.push("transfer-encoding", "chunked");
  }
  try {
    raw.writeHead(status, list);
  } catch (failure) {
    raw.destroy(failure as Error); // a header Node refuses, as for a file's HEAD
    return;
  }
  raw.end();
}

/**
 * A file is opened and fstat'ed before its headers are written, and its body read from that
 * descriptor. The headers came from an earlier stat, and a deploy may have rewritten the file
 * since: a whole file tina4 answered (`basis`) is then answered as it is now (file-basis.ts:
 * Content-Length, ETag, Last-Modified, no immutable), never the new bytes under the old
 * validators, which a browser or CDN would keep. Otherwise no more than the announced
 * Content-Length is read, and a body ending short cuts the connection (FileBytes). A file
 * gone before it opens is a 404, and so is a directory (its read would fail once a 200 is out:
 * decided from the fstat, at no extra cost); a client gone before it opens leaves no descriptor open.
 */
function commitFile(req: Request, res: Response, payload: { path: string; basis?: Stats }, closeConnection: boolean): void {
  if (req.method === "HEAD") return commitFileHead(req, res, payload, closeConnection);
  const raw = res.raw;
  openFile(payload.path).then(
    (file) => {
      if (file.stats.isDirectory()) return void close(file.fd, () => notFound(req, res, closeConnection));
      const headers = res.headers;
      const { basis } = payload;
      if (basis && !sameFile(basis, file.stats)) rebaseFileHeaders(headers, basis, file.stats);
      const announced = Number(headers["content-length"]);
      const body = new FileBytes(file.fd, 0, Number.isInteger(announced) && announced >= 0 ? announced - 1 : Infinity);
      if (raw.destroyed) return void body.destroy(); // the client left while the file opened
      try {
        raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, undefined));
      } catch (error) {
        // a header Node refuses (a control character in its value): cut, as any failure once the answer is under way
        body.destroy();
        raw.destroy(error as Error);
        return;
      }
      // pipe() and three listeners, not pipeline(): that cost ~40 µs more CPU per small file (A/B, commit message)
      raw.once("close", () => body.destroy()); // a client gone mid-body: the file is closed
      body.once("error", () => raw.destroy()); // a file ending short (or unreadable): cut, never a short body
      body.pipe(raw);
    },
    () => notFound(req, res, closeConnection),
  );
}

/**
 * A HEAD is answered with the headers a GET would get, from a stat in place of the open and
 * fstat (one syscall instead of three): nothing is opened or read, so a pipe or a device given
 * to res.file() cannot hold the answer, and a file gone or a directory is the same 404 as for GET.
 */
function commitFileHead(req: Request, res: Response, payload: { path: string; basis?: Stats }, closeConnection: boolean): void {
  stat(payload.path, (error, stats) => {
    if (error || stats.isDirectory()) return notFound(req, res, closeConnection);
    const raw = res.raw;
    if (raw.destroyed) return;
    const headers = res.headers;
    if (payload.basis && !sameFile(payload.basis, stats)) rebaseFileHeaders(headers, payload.basis, stats);
    try {
      raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, undefined));
    } catch (failure) {
      raw.destroy(failure as Error); // a header Node refuses, as for GET
      return;
    }
    raw.end();
  });
}

/**
 * A file answer with no file to send (gone, or a directory): the 404 any unmatched path gets
 * (`{"error":"Not Found","requestId","code","path"}`, an error page for a browser), without
 * the file's validators.
 */
function notFound(req: Request, res: Response, closeConnection: boolean): void {
  renderError(req, res, new HttpError(404, "Not Found", { code: HttpErrorCode.NOT_FOUND, details: { path: req.path } }), false);
  commit(req, res, closeConnection);
}

/**
 * The headers as one flat `[name, value, name, value, ...]` list for `writeHead`: the
 * response's own, then X-Request-ID, `Connection: close` when asked, and the Content-Length
 * when known (each replacing one the response set). Node walks a list without the for-in
 * and own-property check it runs over an object (docs/decisions.md, "Request ids").
 */
function headerList(headers: Record<string, HeaderValue>, requestId: string, close: boolean, length: number | undefined): HeaderValue[] {
  const list: HeaderValue[] = [];
  for (const name in headers) {
    if (name === "x-request-id" || (close && name === "connection") || (length !== undefined && name === "content-length")) continue;
    list.push(name, headers[name]!);
  }
  list.push("x-request-id", requestId);
  if (close) list.push("connection", "close");
  if (length !== undefined) list.push("content-length", length);
  return list;
}
