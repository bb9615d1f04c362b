/**
 * The persistent layer: results shared through a cache backend (in-process for `memory`,
 * shared by every instance for redis/valkey/memcached/mongodb/database). An entry is
 * `{g: token, ...encoded result}` and is served only while `g` equals the database's current
 * generation token (see invalidation.ts). The token and the entry are read together (one
 * round trip on a network backend). Concurrent identical misses in one process run the query
 * once. A backend failure never fails a read: it falls through to the database.
 */
import { log } from "../../log.js";
import type { CacheBackend } from "../../cache/backend.js";
import type { RawResult } from "../adapters/adapter.js";
import type { Row } from "../types.js";
import { decodeResult, encodeResult, type EncodedResult } from "./codec.js";
import { entryKey, type StatementKey } from "./keys.js";
import { SharedGeneration, newToken } from "./invalidation.js";
import type { Counters } from "./counters.js";

interface Entry extends EncodedResult {
  g: string;
}


export class PersistentCache {
  readonly generation: SharedGeneration;
  private readonly inflight = new Map<string, Promise<RawResult>>();
  private readonly writes = new Set<Promise<unknown>>();
  /** In-process memory keeps the readable key (nothing leaves the process; no hashing cost). */
  private readonly hashed: boolean;

  constructor(
    readonly cache: CacheBackend,
    generationKey: string,
    readonly ttl: number,
    label: string,
  ) {
    this.generation = new SharedGeneration(cache, generationKey, label);
    this.hashed = cache.backend !== "memory";
  }

  /**
   * A hit answered synchronously when the backend keeps its data in this process (memory):
   * no promise, no JSON parse (decoded entries are shared read-only; rows are built fresh).
   * Undefined for anything else — then `read`.
   */
  peek(statement: StatementKey, params: string, counters: Counters): RawResult | undefined {
    const gen = this.generation;
    if (gen.pending || this.hashed) return undefined;
    const token = this.cache.peek<string>(gen.key);
    if (token === undefined || !token.hit || typeof token.value !== "string") return undefined;
    const entry = this.cache.peek<Entry>(statement.memoryPrefix + params);
    if (entry === undefined || !entry.hit || entry.value === null || entry.value.g !== token.value) return undefined;
    counters.hit();
    return decodeResult(entry.value);
  }

  async read(statement: StatementKey, params: string, run: () => Promise<RawResult>, counters: Counters): Promise<RawResult> {
    const gen = this.generation;
    if (gen.pending) {
      counters.miss();
      return run();
    }
    const key = this.hashed ? entryKey(statement.local + params) : statement.memoryPrefix + params;
    const failuresBefore = gen.failures();
    let token: string | undefined;
    let entry: Entry | undefined;
    try {
      const [g, e] = await Promise.all([this.cache.get<string>(gen.key), this.cache.get<Entry>(key)]);
      if (g.hit && typeof g.value === "string") token = g.value;
      if (e.hit) entry = e.value;
    } catch (error) {
      log.debug(`db cache: lookup failed: ${String(error)}`);
    }
    if (gen.failures() !== failuresBefore) gen.markPending();
    if (gen.pending) {
      counters.miss();
      return run();
    }
    if (token === undefined) {
      // No generation yet (first use, or evicted): start one. The query runs only after the
      // token is stored, so a write racing with this read either replaces the token later
      // (this entry dies) or committed before the query ran (the entry is fresh).
      token = newToken();
      await this.guard(this.cache.set(gen.key, token, 0));
      if (gen.failures() !== failuresBefore) {
        gen.markPending();
        counters.miss();
        return run();
      }
    } else if (entry !== undefined && entry !== null && entry.g === token) {
      counters.hit();
      return decodeResult(entry);
    }
    counters.miss();
    const flight = `${key}\u0000${token}`;
    const running = this.inflight.get(flight);
    if (running !== undefined) return running.then(copyResult);
    const result = run();
    this.inflight.set(flight, result);
    try {
      const r = await result;
      const encoded = encodeResult(r);
      // awaited, so an instance reading right after this one returned finds the entry
      if (encoded !== null) await this.guard(this.cache.set(key, { g: token, ...encoded }, this.ttl));
      return r;
    } finally {
      this.inflight.delete(flight);
    }
  }

  /** Global invalidation of this database's entries; resolves once the backend has (or could not) confirm it. */
  async invalidate(): Promise<void> {
    await this.generation.bump();
  }

  private guard(work: Promise<unknown>): Promise<void> {
    const p = work.then(() => undefined, (error: unknown) => log.debug(`db cache: store failed: ${String(error)}`));
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
    return p;
  }

  async close(): Promise<void> {
    this.generation.close();
    await Promise.all([...this.writes]);
    await this.cache.close();
  }
}

/**
 * Rows copied so two callers never share (and mutate) anything: the row objects and the
 * values that are objects themselves (Dates, Buffers, json values).
 */
export function copyResult(r: RawResult): RawResult {
  return { rows: r.rows.map(copyRow), columns: r.columns, affected: r.affected, lastId: r.lastId };
}

function copyRow(row: Row): Row {
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
