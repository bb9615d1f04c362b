/**
 * Whether a request is a browser page load that should get HTML rather than JSON (error pages,
 * the login redirect). Only an `Accept` header that ranks text/html strictly above
 * application/json counts: a navigation (`text/html,application/xhtml+xml,…,*\/*;q=0.8`) does,
 * while `*\/*` (fetch()'s and curl's default), `application/json`, an empty header and a tie
 * keep JSON — an API client never gets a page it did not ask for. An XMLHttpRequest
 * (`X-Requested-With: XMLHttpRequest`, as jQuery and many front-ends send) is script, not a
 * page load, so it keeps JSON whatever it accepts.
 */
import type { IncomingHttpHeaders } from "node:http";

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** True when the request asks for HTML before JSON (see above). */
export function prefersHtml(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept;
  if (accept === undefined || accept === "") return false;
  const requestedWith = headers["x-requested-with"];
  if (typeof requestedWith === "string" && requestedWith.toLowerCase() === "xmlhttprequest") return false;
  const ranges = parseAccept(accept);
  return quality(ranges, "text", "html") > quality(ranges, "application", "json");
}

/** The media ranges of an Accept header; ranges with a malformed type or q are left out. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [media = "", ...params] = part.split(";");
    const slash = media.indexOf("/");
    if (slash <= 0) continue;
    const type = media.slice(0, slash).trim().toLowerCase();
    const subtype = media.slice(slash + 1).trim().toLowerCase();
    if (type === "" || subtype === "") continue;
    let q = 1;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=");
      if (name.trim().toLowerCase() !== "q") continue;
      q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(value) ? Number(value) : Number.NaN;
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The quality a type gets from the most specific range that matches it (`text/html` over
 * `text/*` over `*\/*`, RFC 9110 §12.5.1); 0 when none does.
 */
export function quality(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === "*" ? 1 : range.type === "*" && range.subtype === "*" ? 0 : -1;
    if (specificity < 0 || specificity < best) continue;
    q = specificity > best ? range.q : Math.max(q, range.q);
    best = specificity;
  }
  return q;
}
