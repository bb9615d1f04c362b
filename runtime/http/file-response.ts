import { stat } from "node:fs/promises";
import { contentTypeFor } from "./mime.js";
import { sendFile } from "./byte-range.js";
import { fileEtag } from "./file-basis.js";
import { isFresh } from "./fresh.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";

/**
 * Completes a `res.file(path)` a route handler chose, before the route's middleware see it:
 * the content type from the extension (unless the handler gave one), ETag and Last-Modified
 * (unless set), then as for `public/` files: 304 for a client's current copy (If-None-Match,
 * If-Modified-Since), else `Accept-Ranges`, Content-Length and Range (206/416, byte-range.ts). Only a 200 is touched, and not one the handler opted out of with
 * `Accept-Ranges: none` or answered with its own Content-Range. A path that is not a file is
 * left to commit, which answers 404 as before.
 */
export async function completeFile(req: Request, res: Response): Promise<void> {
  const payload = res.payload;
  if (payload.kind !== "file" || res.statusCode !== 200) return;
  const headers = res.headers;
  if (headers["content-range"] !== undefined || String(headers["accept-ranges"] ?? "").toLowerCase() === "none") return;
  const stats = await stat(payload.path).catch(() => null);
  if (!stats?.isFile() || res.payload !== payload) return;
  headers["content-type"] ??= contentTypeFor(payload.path);
  const etag = (headers.etag ??= fileEtag(stats));
  const lastModified = (headers["last-modified"] ??= stats.mtime.toUTCString());
  // as for public/ files, a client's current copy is a 304, decided before any Range
  if ((req.method === "GET" || req.method === "HEAD") && isFresh(req, String(etag), new Date(String(lastModified)))) {
    res.status(304);
    res.payload = { kind: "none" };
    delete headers["content-type"];
    return;
  }
  sendFile(req, res, { path: payload.path, stats });
}
