import { HttpErrorCode, badRequest } from "./errors.js";

export type QueryValue = string | string[];

/**
 * The objects `parseQuery` returns: no inherited keys (a `__proto__`, `constructor` or
 * `toString` parameter is an own property like any other), as `Object.create(null)` would
 * give, but V8 keeps these in fast mode: `Object.create(null)` starts as a dictionary, and a
 * store into a dictionary with a key cut from the URL cost ≈ 1 µs per request under load.
 */
const QueryObject = function QueryObject() {} as unknown as new () => Record<string, QueryValue>;
QueryObject.prototype = Object.freeze(Object.create(null) as object);

/**
 * Parses a query string (`a=1&b=2&b=3` → {a:"1", b:["2","3"]}). Bad percent-encoding
 * is a client error, reported as 400 rather than silently mangled.
 */
export function parseQuery(search: string): Record<string, QueryValue> {
  const out = new QueryObject();
  const length = search.length;
  // one pass over the text with indexOf: no array of pairs, no slice of each pair
  let start = 0;
  while (start < length) {
    let end = search.indexOf("&", start);
    if (end < 0) end = length;
    if (end > start) {
      const eq = search.indexOf("=", start);
      const hasValue = eq >= 0 && eq < end;
      const key = decodeComponent(search.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(search.slice(eq + 1, end)) : "";
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[key] = [existing, value];
    }
    start = end + 1;
  }
  return out;
}

function decodeComponent(text: string): string {
  if (!text.includes("%") && !text.includes("+")) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw badRequest("Malformed percent-encoding in query string", HttpErrorCode.BAD_ENCODING);
  }
}

export { decodeComponent };
