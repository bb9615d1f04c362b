import { hash } from "node:crypto";
import { addSendHook, type OnSendHook } from "../http/hooks.js";
import type { HeaderValue, ResponseBody } from "../http/response.js";
import { builtin, type MiddlewareFunction } from "./types.js";

/**
 * Conditional GET for handler responses: a weak ETag over the body as the route made it, and
 * 304 Not Modified when the request's If-None-Match names it. Weak because it names the
 * content, not these exact bytes: compress() may send the same page as br, gzip or identity,
 * and RFC 9110 §8.8.3 lets one weak tag stand for all of them, so a browser revalidating a br
 * copy gets its 304 from a server that would now send gzip. A tag the route set itself (or a
 * cached one) is kept and compared as it is. Streams and files are left alone (public files
 * have their own validators, docs/http.md). docs/compression.md.
 */
export function etag(): MiddlewareFunction {
  return builtin("etag", function (req, res, next) {
    // before the rest of the chain: this hook runs ahead of compress()'s, on the identity body
    if (req.method === "GET" || req.method === "HEAD") addSendHook(res, conditional);
    return next();
  });
}

const conditional: OnSendHook = (req, res, payload) => {
  const status = res.statusCode;
  if (status < 200 || status >= 300 || status === 204 || status === 206) return;
  const headers = res.headers;
  let tag = headerText(headers.etag);
  if (tag === undefined) {
    if (payload.kind !== "data") return;
    tag = bodyTag(payload.data);
    headers.etag = tag;
  }
  const noneMatch = req.headers["if-none-match"];
  if (noneMatch === undefined || !matchesAny(noneMatch, tag)) return;
  res.statusCode = 304;
  // RFC 9110 §15.4.5: no content, and no metadata that describes the content we did not send
  delete headers["content-type"];
  delete headers["content-length"];
  delete headers["content-encoding"];
  return NOT_MODIFIED;
};

const NOT_MODIFIED: ResponseBody = { kind: "none" };

/** `W/"<size in hex>-<sha1, base64url>"`: a different body of the same size gets another tag. */
export function bodyTag(data: string | Buffer): string {
  const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
  return `W/"${size.toString(16)}-${hash("sha1", data, "base64url")}"`;
}

/** If-None-Match's weak comparison (RFC 9110 §13.1.2): `*`, or a listed tag equal but for `W/`. */
export function matchesAny(header: string | string[], tag: string): boolean {
  const opaque = stripWeak(tag);
  const list = Array.isArray(header) ? header.join(",") : header;
  if (list.trim() === "*") return true;
  // entity tags may hold commas inside their quotes: take each quoted tag as a whole
  for (const match of list.matchAll(/(?:W\/)?"[^"]*"/g)) if (stripWeak(match[0]) === opaque) return true;
  return false;
}

function stripWeak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

function headerText(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : String(value);
}
