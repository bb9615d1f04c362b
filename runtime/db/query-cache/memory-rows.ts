/**
 * The persistent layer's storage when its backend is `memory`: decoded rows kept in this
 * process (one store per process, shared by every Database, as the memory namespace is), per
 * statement (statement keys name the database, user, mode and SQL), under the params themselves (a single numeric param is its own
 * key), instead of JSON text in the shared memory namespace. A hit is one Map lookup and a
 * copy of the row; keying by one flat string (statement prefix + params JSON) cost a string
 * build, a hash and a second lookup for the decoded value per row.
 *
 * Still a bounded cache: entries expire after the TTL, the total is capped at
 * `maxEntries` (TINA4_CACHE_MAX_ENTRIES) with least-recently-used eviction (approximate, as in
 * the memory store: an entry is moved to the newest end only once it has aged by half the
 * bound), and every entry carries the generation token it was read under, so a write
 * anywhere in this process (the token lives in the memory namespace) invalidates it.
 */
import type { Row, SqlParams } from "../types.js";
import { copyRow } from "./copy.js";

/** Rows decoded once; never handed out (callers get copies). */
export interface Decoded {
  rows: Row[];
  columns: string[];
  /** No value is an object (Date, Buffer, json): a shallow copy is a full copy. */
  flat: boolean;
}

interface Slot {
  /** Generation token the entry was read under. */
  g: string;
  /** epoch ms; 0 = no expiry */
  expires: number;
  placed: number;
  /** value.rows[0] and value.flat, kept here too: a batch by id reads one object per row (memory latency dominates). */
  first: Row | null;
  flat: boolean;
  value: Decoded;
}

/** A single finite number keys itself; anything else by its params key text. */
export type RowKey = number | string;

export function rowKey(params: SqlParams, paramsText: string): RowKey {
  if (params.length === 1) {
    const v = params[0];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return paramsText;
}

/** The same key without building the text for the numeric case (null: build it with paramsKey). */
export function numericRowKey(params: SqlParams): number | null {
  if (params.length !== 1) return null;
  const v = params[0];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Keys below this that are non-negative integers are also indexed by an array. */
const DENSE_LIMIT = 1 << 24;

function dense(key: RowKey): key is number {
  return typeof key === "number" && key >>> 0 === key && key < DENSE_LIMIT;
}

/**
 * One statement's slots: a Map (insertion order = recency, which eviction walks) and, for ids
 * (small non-negative integers), arrays over the same slots — one load per lookup instead of
 * a hash probe (V8 keeps them flat arrays once they are dense, dictionaries while sparse).
 * What a batch by id reads of a slot (its token, expiry, recency stamp, first row and copy
 * kind) is also kept in one array per field: between requests the server's other work
 * evicts these entries from the CPU caches, and a lookup that reads a few dense arrays and
 * then the row misses the cache about once per row instead of three times (array, slot, row).
 */
class Slots {
  readonly map = new Map<RowKey, Slot>();
  readonly #ids: (Slot | undefined)[] = [];
  /** Per id: the slot's `g` (undefined: no slot), `expires`, `placed`, `first`, `flat`. */
  readonly tokens: (string | undefined)[] = [];
  readonly expires: number[] = [];
  readonly placed: number[] = [];
  readonly firsts: (Row | null)[] = [];
  readonly flats: boolean[] = [];

  get size(): number {
    return this.map.size;
  }

  get(key: RowKey): Slot | undefined {
    return dense(key) ? this.#ids[key] : this.map.get(key);
  }

  set(key: RowKey, slot: Slot): void {
    this.map.set(key, slot);
    if (dense(key)) {
      this.#ids[key] = slot;
      this.tokens[key] = slot.g;
      this.expires[key] = slot.expires;
      this.placed[key] = slot.placed;
      this.firsts[key] = slot.first;
      this.flats[key] = slot.flat;
    }
  }

  delete(key: RowKey): boolean {
    if (dense(key) && this.#ids[key] !== undefined) {
      this.#ids[key] = undefined;
      this.tokens[key] = undefined;
      this.firsts[key] = null; // the row is not kept alive by the index
    }
    return this.map.delete(key);
  }

  /** Moves the slot to the newest end, stamped `placed`. */
  touch(key: RowKey, slot: Slot, placed: number): void {
    slot.placed = placed;
    if (dense(key)) this.placed[key] = placed;
    this.map.delete(key);
    this.map.set(key, slot);
  }
}

export class MemoryRows {
  readonly #byStatement = new Map<object, Slots>();
  #size = 0;
  #placed = 0;

  /** LRU bound (TINA4_CACHE_MAX_ENTRIES); the last Database connected sets it, as for the memory store. */
  constructor(public maxEntries: number) {}

  /** The entry's rows when it was made under `token` and has not expired; `now` is Date.now() (once per batch). */
  get(statement: object, key: RowKey, token: string, now: number): Decoded | undefined {
    const slots = this.#byStatement.get(statement);
    return slots === undefined ? undefined : this.#live(slots, key, token, now)?.value;
  }

  /**
   * `get` for a batch of single-number params of one statement (the common lookup by id),
   * storing each hit's first row (a copy) into `out` at the same index. Returns the hit count;
   * `out` keeps `undefined` where the caller must look further (a miss, or params that are
   * not one number).
   */
  firstRows(statement: object, paramSets: readonly SqlParams[], token: string, now: number, out: (Row | null | undefined)[]): number {
    const slots = this.#byStatement.get(statement);
    if (slots === undefined) return 0;
    const { tokens, expires, placed, firsts, flats } = slots;
    const age = this.maxEntries >> 1;
    let hits = 0;
    for (let i = 0; i < paramSets.length; i++) {
      const key = numericRowKey(paramSets[i]!);
      if (key === null) continue;
      let row: Row | null;
      let flat: boolean;
      if (dense(key)) {
        // the slot's fields from the per-field arrays; an expired entry or a due recency move takes #live
        if (tokens[key] !== token) continue;
        const until = expires[key]!;
        if ((until !== 0 && until <= now) || this.#placed - placed[key]! >= age) {
          if (this.#live(slots, key, token, now) === undefined) continue;
        }
        row = firsts[key]!;
        flat = flats[key]!;
      } else {
        const slot = this.#live(slots, key, token, now);
        if (slot === undefined) continue;
        row = slot.first;
        flat = slot.flat;
      }
      out[i] = row === null ? null : flat ? { ...row } : copyRow(row);
      hits++;
    }
    return hits;
  }

  /** The slot if it is a hit: made under `token`, not expired (an expired one is dropped); refreshes its recency. */
  #live(slots: Slots, key: RowKey, token: string, now: number): Slot | undefined {
    const slot = slots.get(key);
    if (slot === undefined || slot.g !== token) return undefined;
    if (slot.expires !== 0 && slot.expires <= now) {
      slots.delete(key);
      this.#size--;
      return undefined;
    }
    if (this.#placed - slot.placed >= this.maxEntries >> 1) slots.touch(key, slot, ++this.#placed);
    return slot;
  }

  /** `ttlMs` 0 = no expiry. */
  set(statement: object, key: RowKey, token: string, value: Decoded, ttlMs: number): void {
    let slots = this.#byStatement.get(statement);
    if (slots === undefined) {
      slots = new Slots();
      this.#byStatement.set(statement, slots);
    }
    if (slots.delete(key)) this.#size--;
    slots.set(key, { g: token, expires: ttlMs > 0 ? Date.now() + ttlMs : 0, placed: ++this.#placed, first: value.rows[0] ?? null, flat: value.flat, value });
    this.#size++;
    if (this.#size > this.maxEntries) this.#evict(slots);
  }

  /** Live entries (expired ones are dropped first). */
  size(): number {
    const now = Date.now();
    for (const slots of this.#byStatement.values()) {
      for (const [key, slot] of slots.map) {
        if (slot.expires !== 0 && slot.expires <= now) {
          slots.delete(key);
          this.#size--;
        }
      }
    }
    return this.#size;
  }

  /** Drops the oldest entry: of the statement just written when it has others, else of another statement. */
  #evict(current: Slots): void {
    let from: Slots | undefined = current.size > 1 ? current : undefined;
    if (from === undefined) {
      for (const slots of this.#byStatement.values()) {
        if (slots !== current && slots.size > 0) {
          from = slots;
          break;
        }
      }
    }
    if (from === undefined) return;
    const oldest = from.map.keys().next();
    if (oldest.done === true) return;
    from.delete(oldest.value);
    this.#size--;
  }
}

let processRows: MemoryRows | undefined;

/** The process's MemoryRows, its bound set to `maxEntries`. */
export function memoryRows(maxEntries: number): MemoryRows {
  const bound = Math.max(1, Math.trunc(maxEntries));
  if (processRows === undefined) processRows = new MemoryRows(bound);
  else processRows.maxEntries = bound;
  return processRows;
}

/** A result decoded for the tier (see codec.ts: decoding builds objects nobody else holds). */
export function decodedOf(rows: Row[], columns: string[]): Decoded {
  return { rows, columns, flat: rows.every(isFlat) };
}

function isFlat(row: Row): boolean {
  for (const key in row) {
    const v = row[key];
    if (typeof v === "object" && v !== null) return false;
  }
  return true;
}

