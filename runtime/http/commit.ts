import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import type { Request } from "./request.js";
import type { Response } from "./response.js";

/**
 * Writes the pending response to the socket: status, headers (plus X-Request-ID and an
 * exact Content-Length for in-memory bodies) and the body. A handler that wrote to the
 * raw response itself is left alone.
 */
export function commit(req: Request, res: Response, closeConnection: boolean): void {
  const raw = res.raw;
  if (raw.headersSent || raw.writableEnded || raw.destroyed) return;
  const headers = res.headers;
  headers["x-request-id"] = req.requestId;
  if (closeConnection) headers.connection = "close";
  const payload = res.payload;
  switch (payload.kind) {
    case "data": {
      headers["content-length"] = typeof payload.data === "string" ? Buffer.byteLength(payload.data) : payload.data.length;
      raw.writeHead(res.statusCode, headers);
      raw.end(payload.data);
      return;
    }
    case "none": {
      const status = res.statusCode;
      if (status !== 204 && status !== 304 && headers["content-length"] === undefined) headers["content-length"] = 0;
      raw.writeHead(status, headers);
      raw.end();
      return;
    }
    case "stream": {
      raw.writeHead(res.statusCode, headers);
      pipeline(payload.stream, raw, () => undefined); // errors destroy both ends; the client sees a cut body
      return;
    }
    case "file": {
      const stream = createReadStream(payload.path);
      stream.once("open", () => {
        raw.writeHead(res.statusCode, headers);
        pipeline(stream, raw, () => undefined);
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
