import { HttpErrorCode, badRequest } from "./errors.js";

export type QueryValue = string | string[];

/**
 * Parses a query string (`a=1&b=2&b=3` → {a:"1", b:["2","3"]}). Bad percent-encoding
 * is a client error, reported as 400 rather than silently mangled.
 */
export function parseQuery(search: string): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = Object.create(null) as Record<string, QueryValue>;
  if (!search) return out;
  for (const pair of search.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1));
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
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
