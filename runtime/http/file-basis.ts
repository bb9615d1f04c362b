import type { Stats } from "node:fs";
import type { HeaderValue } from "./response.js";

/**
 * A file response's headers are made from a stat of the file (its basis); its body is read
 * later, from a descriptor opened when the response is written. A deploy can rewrite the file
 * in between: this module tells whether the opened file is still the one the headers describe,
 * and puts the headers right when it is not.
 */

/**
 * tina4's validator for a file: size and modification time (to the millisecond). Weak because
 * it is not computed from the bytes, but it changes whenever the file does — more precisely
 * than Last-Modified, which RFC 9110 accepts in `If-Range` (so `If-Range` accepts it too).
 */
export function fileEtag(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** Whether the file as opened (`current`, from fstat) is still the one `basis` described. */
export function sameFile(basis: Stats, current: Stats): boolean {
  return current.size === basis.size && current.mtimeMs === basis.mtimeMs;
}

/**
 * Makes the headers of a whole-file answer describe `current` instead of `basis`: its
 * Content-Length, and tina4's ETag and Last-Modified when they are the ones made from `basis`
 * (a handler's own ETag names something tina4 cannot recompute: it stays). A Cache-Control
 * that calls the content immutable (an `asset()` URL whose `?v=` was the hash of the file
 * when it was looked up) no longer holds: what is sent now may not be what that hash named,
 * and hashing it first would mean reading the file twice for a deploy's rare race. So it is
 * revalidated instead (`revalidating`): the next request, made against the new ETag, gets a
 * 304 or the current file, and immutable again once the URL names the current version.
 */
export function rebaseFileHeaders(headers: Record<string, HeaderValue>, basis: Stats, current: Stats): void {
  headers["content-length"] = current.size;
  if (headers.etag === fileEtag(basis)) headers.etag = fileEtag(current);
  if (headers["last-modified"] === basis.mtime.toUTCString()) headers["last-modified"] = current.mtime.toUTCString();
  const cacheControl = headers["cache-control"];
  if (cacheControl !== undefined) headers["cache-control"] = revalidating(cacheControl);
}

/** Directives that let a cache reuse a response without asking: dropped from an immutable policy. */
const FRESHNESS = new Set(["immutable", "max-age", "s-maxage", "stale-while-revalidate", "stale-if-error", "must-revalidate"]);

/**
 * A Cache-Control with `immutable` made to revalidate on every use: the freshness directives go,
 * `max-age=0, must-revalidate` come (what the static server sends for any URL that is not the
 * current version); the others stay (`private` must stay private, `no-transform` untransformed).
 * One without `immutable` is returned as it was: its lifetime holds for the file as it is now,
 * which its rebuilt validators describe.
 */
export function revalidating(cacheControl: HeaderValue): HeaderValue {
  const directives = (Array.isArray(cacheControl) ? cacheControl.join(",") : String(cacheControl))
    .split(",")
    .map((directive) => directive.trim())
    .filter((directive) => directive !== "");
  const name = (directive: string) => directive.split("=", 1)[0]!.trim().toLowerCase();
  if (!directives.some((directive) => name(directive) === "immutable")) return cacheControl;
  return [...directives.filter((directive) => !FRESHNESS.has(name(directive))), "max-age=0", "must-revalidate"].join(", ");
}
