/**
 * Copies of cached results: what a caller gets is its own, so two callers never share (and
 * mutate) anything — the row objects and the values that are objects themselves (Dates,
 * Buffers, json values).
 */
import type { RawResult } from "../adapters/adapter.js";
import type { Row } from "../types.js";
import type { Decoded } from "./memory-rows.js";

export function copyResult(r: RawResult): RawResult {
  return { rows: r.rows.map(copyRow), columns: r.columns, affected: r.affected, lastId: r.lastId };
}

/** A hit as the caller's own result. */
export function resultOf(d: Decoded): RawResult {
  return { rows: d.rows.map(d.flat ? copyFlatRow : copyRow), columns: d.columns, affected: 0, lastId: null };
}

/** The first row of a hit as the caller's own object (null: the result had no row). */
export function firstRowOf(d: Decoded): Row | null {
  const row = d.rows[0];
  if (row === undefined) return null;
  return d.flat ? { ...row } : copyRow(row);
}

function copyFlatRow(row: Row): Row {
  return { ...row };
}

export function copyRow(row: Row): Row {
  const out: Row = { ...row };
  for (const key in out) {
    const v = out[key];
    if (typeof v === "object" && v !== null) out[key] = copyValue(v);
  }
  return out;
}

function copyValue(v: object): unknown {
  if (v instanceof Date) return new Date(v.getTime());
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  return structuredClone(v);
}
