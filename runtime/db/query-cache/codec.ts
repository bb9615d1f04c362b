/**
 * Rows ↔ JSON for the persistent cache. Backends store JSON, but rows hold Dates, Buffers,
 * bigints and non-finite numbers; those travel as small tagged arrays. A plain JSON array
 * (a json column) is always wrapped as ["j", value], so a bare array is always a tag and
 * decoding is unambiguous. Decoding builds fresh objects, so callers may mutate what they get.
 */
import type { RawResult } from "../adapters/adapter.js";
import type { Row } from "../types.js";

type Encoded = null | boolean | number | string | [string, unknown];

export function encodeValue(v: unknown): Encoded {
  if (v === null) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : ["f", String(v)];
    case "bigint":
      return ["n", v.toString()];
    case "undefined":
      return ["u", 0];
    case "object":
      if (v instanceof Date) {
        const t = v.getTime();
        return ["d", Number.isNaN(t) ? null : t];
      }
      if (v instanceof Uint8Array) return ["b", Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")];
      return ["j", v];
    default:
      throw new TypeError(`cannot cache a value of type ${typeof v}`);
  }
}

export function decodeValue(e: Encoded): unknown {
  if (e === null || typeof e !== "object") return e;
  const [tag, p] = e;
  switch (tag) {
    case "d":
      return new Date(p === null ? Number.NaN : (p as number));
    case "b":
      return Buffer.from(p as string, "base64");
    case "n":
      return BigInt(p as string);
    case "f":
      return Number(p);
    case "u":
      return undefined;
    case "j":
      // decoded entries may be shared between hits: a json value must never be
      return typeof p === "object" && p !== null ? structuredClone(p) : p;
    default:
      return p;
  }
}

/** What a persistent entry holds besides its generation: column names, row keys, row values. */
export interface EncodedResult {
  c: string[];
  k: string[];
  r: Encoded[][];
}

/** Null when the rows cannot be represented (then the result is simply not cached). */
export function encodeResult(result: RawResult): EncodedResult | null {
  const rows = result.rows;
  const keys = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const out: Encoded[][] = new Array<Encoded[]>(rows.length);
  try {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (Object.keys(row).length !== keys.length) return null;
      const values = new Array<Encoded>(keys.length);
      for (let j = 0; j < keys.length; j++) values[j] = encodeValue(row[keys[j]!]);
      out[i] = values;
    }
  } catch {
    return null;
  }
  return { c: result.columns, k: keys, r: out };
}

export function decodeResult(e: EncodedResult): RawResult {
  const { k, r } = e;
  const rows = new Array<Row>(r.length);
  for (let i = 0; i < r.length; i++) {
    const values = r[i]!;
    const row: Row = {};
    for (let j = 0; j < k.length; j++) {
      const v = values[j]!;
      row[k[j]!] = v === null || typeof v !== "object" ? v : decodeValue(v);
    }
    rows[i] = row;
  }
  return { rows, columns: e.c, affected: 0, lastId: null };
}
