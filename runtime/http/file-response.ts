import { stat } from "node:fs/promises";
import { contentTypeFor } from "./mime.js";
import { fileEtag, sendFile } from "./byte-range.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";

/**
 * Completes a `res.file(path)` a route handler chose, before the route's middleware see it:
 * the content type from the extension (unless the handler gave one), ETag and Last-Modified
 * (unless set), `Accept-Ranges`, Content-Length, and Range as for `public/` files (206/416,
 * byte-range.ts). Only a 200 is touched, and not one the handler opted out of with
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
  headers.etag ??= fileEtag(stats);
  headers["last-modified"] ??= stats.mtime.toUTCString();
  sendFile(req, res, { path: payload.path, stats });
}
