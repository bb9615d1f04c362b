import type { Request } from "./request.js";

/**
 * Conditional GET for a file (RFC 9110 §13.1.2-13.1.3): true when the client's copy is still
 * current, so a 304 answers. `If-None-Match` (weak comparison, or `*`) decides when present;
 * otherwise `If-Modified-Since` against the modification time, to the second.
 */
export function isFresh(req: Request, etag: string, mtime: Date): boolean {
  const noneMatch = req.headers["if-none-match"];
  if (noneMatch !== undefined) {
    const current = opaque(etag);
    return noneMatch.split(",").some((tag) => {
      const candidate = tag.trim();
      return candidate === "*" || opaque(candidate) === current;
    });
  }
  const since = req.headers["if-modified-since"];
  if (since) {
    const time = Date.parse(since);
    return Number.isFinite(time) && Math.floor(mtime.getTime() / 1000) * 1000 <= time;
  }
  return false;
}

/** The tag without its weakness marker: If-None-Match compares weakly (§8.8.3.2). */
function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
