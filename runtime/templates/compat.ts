import type { TwigInternals } from "./twig-types.js";

/** PHP's rawurlencode (what Twig's `url_encode` uses): RFC 3986, so `!'()*` are encoded too. */
function rawUrlEncode(value: unknown): string {
  return encodeURIComponent(String(value)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Entries of a twig.js hash or array in template order (twig.js keeps a hash literal's order in `_keys`). */
function entriesOf(value: object): Array<[string, unknown]> {
  const ordered = (value as { _keys?: unknown })._keys;
  const keys = Array.isArray(ordered) ? (ordered as string[]) : Object.keys(value);
  return keys.filter((key) => key !== "_keys" && Object.prototype.hasOwnProperty.call(value, key)).map((key) => [key, (value as Record<string, unknown>)[key]]);
}

/** PHP's http_build_query with RFC 3986 encoding: nested keys as `a[b]`, booleans as 1/0, nulls left out. */
function buildQuery(value: object, prefix = ""): string[] {
  const parts: string[] = [];
  for (const [key, item] of entriesOf(value)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (item === null || item === undefined) continue;
    if (typeof item === "object") parts.push(...buildQuery(item, name));
    else parts.push(`${rawUrlEncode(name)}=${rawUrlEncode(typeof item === "boolean" ? Number(item) : item)}`);
  }
  return parts;
}

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;
const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#039;" };

/** Output already escaped for `strategy` (an `html_attr`-escaped value is also safe as HTML). */
function isSafe(mark: unknown, strategy: string): boolean {
  return mark === true || mark === strategy || (strategy === "html" && mark === "html_attr");
}

/**
 * Adapters where twig.js differs from Twig on what the docs promise:
 * - `{{ true }}` / `{{ false }}` printed "true" / "false"; Twig prints "1" and nothing;
 * - `url_encode` of a hash joined its pairs with an already-escaped `&amp;` (escaped again by
 *   autoescape: `&amp;amp;`) and left `!'()*` unencoded;
 * - `join(glue, and)` ignored Twig's second argument (`1, 2 and 3`).
 * And two for speed, with the same output: HTML escaping (every printed value under
 * autoescape) in one pass instead of five chained replaces, and the output step without the
 * intermediate arrays.
 */
export function installCompat(Twig: TwigInternals): void {
  // twig.js's output step (join the pieces of a block, escaping what is not marked safe),
  // in one pass with Twig's printing of booleans.
  Twig.output = function (this: { options: { autoescape: boolean | string } }, pieces: unknown[]): unknown {
    const { autoescape } = this.options;
    const strategy = typeof autoescape === "string" ? autoescape : "html";
    let out = "";
    for (const piece of pieces) {
      if (piece === true) out += "1";
      else if (piece === false || piece === null || piece === undefined) continue;
      else if (autoescape && piece && !isSafe((piece as { twigMarkup?: unknown }).twigMarkup, strategy)) out += String(Twig.filters.escape!(piece, [strategy]) ?? "");
      else out += String(piece);
    }
    if (!autoescape || out.length === 0) return out;
    return Twig.Markup(out, true);
  };
  const escape = Twig.filters.escape!;
  Twig.filters.escape = function (value: unknown, params?: unknown[]) {
    const strategy = params?.[0];
    if (value === undefined || value === null || value === "" || (strategy !== undefined && strategy !== true && strategy !== "html")) {
      return escape.call(this, value, params);
    }
    const text = String(value);
    return Twig.Markup(HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, (c) => HTML_ESCAPES[c]!) : text, "html");
  };

  Twig.filters.url_encode = (value: unknown) => {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? buildQuery(value).join("&") : rawUrlEncode(value);
  };
  const join = Twig.filters.join!;
  Twig.filters.join = function (value: unknown, params?: unknown[]) {
    const and = params?.[1];
    if (and === undefined || and === null || value === null || typeof value !== "object") return join.call(this, value, params);
    const items = Array.isArray(value) ? (value as unknown[]) : entriesOf(value).map(([, item]) => item);
    const glue = params?.[0] === undefined || params[0] === null ? "" : String(params[0]);
    if (items.length < 2) return items.join(glue);
    return items.slice(0, -1).join(glue) + String(and) + String(items[items.length - 1]);
  };
}
