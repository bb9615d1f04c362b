/**
 * JSON text for response bodies: exactly what `JSON.stringify(value)` gives, built faster for
 * the shape database reads return — an array of plain objects that all have the same keys in
 * the same order and only string, number, boolean or null values. For such a shape (once it
 * has been seen twice) a writer is generated that reads each key by name and appends text;
 * V8's JSON.stringify (Node 20) looks every property up generically and cost ≈ 100 ns per
 * two-column row. Each row is checked before it is written (its prototype, its keys and their
 * order, each value's type); anything else — a Date, a nested object, undefined, a non-finite
 * number, an inherited or added key, a `toJSON` anywhere — makes the whole value go through
 * JSON.stringify, so the text never differs from it.
 */

type RowWriter = (row: object) => string | undefined;

/** Shapes seen once (a count) or compiled (a writer); cleared when it grows past the bound. */
const shapes = new Map<string, number | RowWriter | null>();
const MAX_SHAPES = 256;
const MAX_KEYS = 64;
/** Seen this many times before a writer is generated: one-off shapes never pay for it. */
const COMPILE_AFTER = 2;

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Characters JSON.stringify escapes in a string (lone surrogates included, since ES2019). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(value) ?? "null"`, the body text `res.json` / `res.send` send. */
export function jsonBody(value: unknown): string {
  if (Array.isArray(value) && value.length > 1) {
    const text = rowsText(value);
    if (text !== undefined) return text;
  }
  return JSON.stringify(value) ?? "null";
}

/** The writer that wrote the last array: tried first, so a steady shape skips the lookup. */
let lastWriter: RowWriter | undefined;

function rowsText(rows: unknown[]): string | undefined {
  const first: unknown = rows[0];
  if (!plainObject(first)) return undefined;
  // a toJSON JSON.stringify would call: Array.prototype's own, or Object.prototype's (inherited by it)
  if ((ARRAY_PROTO as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  if (Object.getPrototypeOf(rows) !== ARRAY_PROTO) return undefined;
  let write = lastWriter;
  let text = write?.(first);
  if (text === undefined) {
    write = writerFor(first);
    text = write?.(first);
    if (text === undefined) return undefined;
    lastWriter = write;
  }
  text = "[" + text;
  for (let i = 1; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!plainObject(row)) return undefined;
    const part = write!(row);
    if (part === undefined) return undefined;
    text += "," + part;
  }
  return text + "]";
}

function plainObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === OBJECT_PROTO;
}

function writerFor(row: object): RowWriter | undefined {
  const keys = Object.keys(row);
  if (keys.length === 0 || keys.length > MAX_KEYS) return undefined;
  const shape = keys.join("\u0000");
  const known = shapes.get(shape);
  if (typeof known === "function") return known;
  if (known === null) return undefined;
  const seen = (known ?? 0) + 1;
  if (shapes.size >= MAX_SHAPES && known === undefined) shapes.clear();
  if (seen < COMPILE_AFTER) {
    shapes.set(shape, seen);
    return undefined;
  }
  const writer = compile(keys);
  shapes.set(shape, writer);
  return writer ?? undefined;
}

/**
 * The writer for rows with exactly `keys`, in that order. Keys enter the generated source only
 * as JSON string literals (valid JavaScript string literals), so no key can change the code.
 * Null when code generation is not allowed (`--disallow-code-generation-from-strings`).
 */
function compile(keys: string[]): RowWriter | null {
  const lines = [
    "let n = 0;",
    // own enumerable keys in order; an inherited enumerable key shows up here too and is refused
    "for (const k in row) { if (n === K.length || k !== K[n]) return undefined; n++; }",
    // a missing key could still read as a value inherited from Object.prototype (non-enumerable, so JSON skips it)
    "if (n !== K.length) return undefined;",
    "let text, v;",
  ];
  keys.forEach((key, i) => {
    const head = (i === 0 ? "{" : ",") + JSON.stringify(key) + ":";
    const assign = i === 0 ? "text =" : "text +=";
    lines.push(
      `v = row[${JSON.stringify(key)}];`,
      `if (typeof v === "string") ${assign} ${JSON.stringify(head)} + (ESC.test(v) ? JSON.stringify(v) : '"' + v + '"');`,
      // finite numbers print as String(v) does; NaN and ±Infinity would be "null": JSON.stringify decides
      `else if (typeof v === "number") { if (v - v !== 0) return undefined; ${assign} ${JSON.stringify(head)} + v; }`,
      `else if (typeof v === "boolean") ${assign} ${JSON.stringify(head)} + v;`,
      `else if (v === null) ${assign} ${JSON.stringify(head + "null")};`,
      "else return undefined;",
    );
  });
  lines.push("return text + '}';");
  try {
    const make = new Function("K", "ESC", `"use strict"; return function writeRow(row) {\n${lines.join("\n")}\n};`) as (k: readonly string[], esc: RegExp) => RowWriter;
    return make(Object.freeze([...keys]), NEEDS_ESCAPE);
  } catch {
    return null;
  }
}
