import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import type { Request } from "./request.js";
import type { HeaderValue, Response } from "./response.js";

/**
 * Writes the pending response to the socket: status, headers (plus X-Request-ID and an
 * exact Content-Length for in-memory bodies) and the body. A handler that wrote to the
 * raw response itself is left alone.
 */
export function commit(req: Request, res: Response, closeConnection: boolean): void {
  const raw = res.raw;
  if (raw.headersSent || raw.writableEnded || raw.destroyed) return;
  const headers = res.headers;
  const payload = res.payload;
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
    case "stream": {
      raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, undefined));
      pipeline(payload.stream, raw, () => undefined); // errors destroy both ends; the client sees a cut body
      return;
    }
    case "file": {
      // Content-Length came from an earlier stat, and the file may have changed since (a deploy).
      // Grown: read no more than announced (the tail would be parsed as the next response).
      // Shrunk: the body ends short, so the connection is cut rather than ended (a keep-alive
      // client would wait for the missing bytes, or take the next response for them).
      const announced = Number(headers["content-length"]);
      const bounded = Number.isInteger(announced) && announced >= 0;
      const stream = createReadStream(payload.path, bounded && announced > 0 ? { end: announced - 1 } : undefined);
      raw.once("close", () => stream.destroy()); // a client gone (mid-body or before the open) leaves no file open
      stream.once("open", () => {
        if (stream.destroyed) return;
        raw.writeHead(res.statusCode, headerList(headers, req.requestId, closeConnection, undefined));
        if (bounded && announced === 0) {
          // an empty file (then): nothing to read, whatever it holds now
          stream.destroy();
          raw.end();
          return;
        }
        stream.once("end", () => (bounded && stream.bytesRead < announced ? raw.destroy() : raw.end()));
        stream.pipe(raw, { end: false });
      });
      stream.once("error", () => {
        if (raw.headersSent) return raw.destroy();
        headers["content-type"] = "application/json; charset=utf-8";
        delete headers["content-length"];
        res.payload = { kind: "data", data: JSON.stringify({ error: "Not Found", path: req.path, requestId: req.requestId }) };
        res.statusCode = 404;
        commit(req, res, closeConnection);
      });
      return;
    }
  }
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
