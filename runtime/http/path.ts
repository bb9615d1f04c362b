import { HttpErrorCode, badRequest } from "./errors.js";

/**
 * Splits the request target into path and query. A path with no `%`, no empty segment and
 * no trailing slash is already canonical and skips decoding (the common case).
 */
export function splitTarget(url: string): { path: string; search: string; canonical: boolean } {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? "" : url.slice(q + 1);
  return { path, search, canonical: isCanonical(path) };
}

/** True when `path` needs no decoding: no `%`, no empty segment, no trailing slash. */
export function isCanonical(path: string): boolean {
  return path.length > 0 && path[0] === "/" && !path.includes("%") && !path.includes("//") &&
    (path.length === 1 || path[path.length - 1] !== "/");
}

/** Decoded non-empty segments; malformed escapes, invalid UTF-8 or NUL bytes are a 400. */
export function decodeSegments(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "") continue;
    if (!part.includes("%")) {
      out.push(part);
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw badRequest("Malformed percent-encoding in path", HttpErrorCode.BAD_ENCODING);
    }
    if (decoded.includes("\0")) throw badRequest("NUL byte in path", HttpErrorCode.BAD_PATH);
    out.push(decoded);
  }
  return out;
}
