/**
 * Whether a function may use one of its parameters as a function. `App` asks it about `res`:
 * only user code that may call `res(...)` (or otherwise treat it as a function) needs the
 * callable response, a function object made per request (≈ 0.2–0.3 µs of CPU: a prototype
 * switch and properties on a function); everything else gets the plain object with the same
 * methods (runtime/http/response.ts).
 *
 * Decided once, at registration, from the function's source, and only ever in the safe
 * direction: the answer is "no" when the parameter is a plain name (or absent) and every use of
 * that name is a property access that a plain response answers the same way (`res.header(...)`,
 * `res.statusCode = 201`; not `.call`, `.name`, `.length` or anything else a function has).
 * Anything unclear counts as "yes": a destructured or defaulted parameter list, `arguments`,
 * `eval`, native or bound functions, classes, the name passed on, stored, spread, called,
 * read with brackets or with `?.`, `typeof res`. Names inside strings or comments only err
 * towards "yes" too.
 */

/** Properties that a function has and a plain response object has not (or has differently). */
const FUNCTION_ONLY: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Function.prototype),
  ...Object.getOwnPropertyNames(Object.prototype),
  "length",
  "name",
  "prototype",
  "caller",
  "arguments",
]);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The parameter list and the body of a function's source, or null when the form is not recognised. */
function split(source: string): { params: string[]; body: string } | null {
  if (source.startsWith("class") || source.includes("[native code]")) return null;
  // `function f(a, b) {`, `async (a, b) =>`, `method(a, b) {`: the first parenthesised list
  const paren = /^[^(=]*\(([^)]*)\)/.exec(source);
  if (paren) return { params: paren[1]!.split(",").map((p) => p.trim()).filter((p, i, all) => p !== "" || i < all.length - 1), body: source.slice(paren[0].length) };
  // `a => ...`, `async a => ...`
  const single = /^\s*(?:async\s+)?([\w$]+)\s*=>/.exec(source);
  if (single) return { params: [single[1]!], body: source.slice(single[0].length) };
  return null;
}

/**
 * False only when `fn` certainly never uses parameter `index` (0-based) other than through
 * property accesses a plain object answers like the function would; true when in doubt.
 */
export function mayUseAsFunction(fn: Function, index: number): boolean {
  const parts = split(Function.prototype.toString.call(fn));
  if (parts === null) return true;
  const { params, body } = parts;
  if (params.some((p) => !IDENTIFIER.test(p))) return true; // defaults, destructuring, rest, comments
  if (/(?<![\w$.])(arguments|eval)(?![\w$])/.test(body)) return true;
  const name = params[index];
  if (name === undefined) return false; // not declared, and `arguments` is not used: unreachable
  const use = new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
  for (let m = use.exec(body); m !== null; m = use.exec(body)) {
    const before = body.slice(0, m.index).trimEnd();
    // `x.res`, `x?.res`: a property of something else (but `...res` spreads it)
    if (before.endsWith(".") && !before.endsWith("...")) continue;
    const access = /^\s*\.\s*([A-Za-z_$][\w$]*)/.exec(body.slice(m.index + name.length));
    if (access === null || FUNCTION_ONLY.has(access[1]!)) return true;
  }
  return false;
}
