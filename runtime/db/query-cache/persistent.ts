/**
 * The persistent layer: results shared through a cache backend (in-process for `memory`,
 * shared by every instance for redis/valkey/memcached/mongodb/database). An entry is
 * `{g: token, ...encoded result}` and is served only while `g` equals the database's current
 * generation token (see invalidation.ts). The token and the entry are read together (one
 * round trip on a network backend). Concurrent identical misses in one process run the query
 * once. A backend failure never fails a read: it falls through to the database. With the
 * `memory` backend the token lives in the memory namespace and the entries, decoded, in
 * MemoryRows (memory-rows.ts), so a hit costs one lookup and no JSON.
 */
import { log } from "../../log.js";
import type { CacheBackend, CacheLookup } from "../../cache/backend.js";
import type { RawResult } from "../adapters/adapter.js";
import type { Row, SqlParams } from "../types.js";
import { decodeResult, encodeResult, type EncodedResult } from "./codec.js";
import { copyResult, firstRowOf, resultOf } from "./copy.js";
import { decodedOf, memoryRows, type Decoded, type MemoryRows, type RowKey } from "./memory-rows.js";
import { entryKey, type StatementKey } from "./keys.js";
import { SharedGeneration, newToken } from "./invalidation.js";
import type { Counters } from "./counters.js";

/** A network entry's rows, decoded on its first hit and kept on the (shared, read-only) decoded entry. */
const DECODED = Symbol("decoded rows");

interface Entry extends EncodedResult {
  g: string;
  [DECODED]?: Decoded;
}

export { copyResult };

export class PersistentCache {
  readonly generation: SharedGeneration;
  private readonly inflight = new Map<string, Promise<RawResult>>();
  private readonly writes = new Set<Promise<unknown>>();
  /** The entries when the backend is `memory` (null for the others, which store encoded entries). */
  private readonly rows: MemoryRows | null;

  constructor(
    readonly cache: CacheBackend,
    generationKey: string,
    readonly ttl: number,
    label: string,
    maxEntries: number,
  ) {
    this.generation = new SharedGeneration(cache, generationKey, label);
    this.rows = cache.backend === "memory" ? memoryRows(maxEntries) : null;
  }

  /** Entries held (memory), or the backend namespace's size. */
  async size(): Promise<number> {
    if (this.rows !== null) return this.rows.size();
    return (await this.cache.stats()).size ?? 0;
  }

  /**
   * The generation token when hits can be answered synchronously (memory backend, no outage);
   * a batch reads it once, then `peekRow` per key. Undefined when `read`/`readMany` must be used.
   */
  peekToken(): string | undefined {
    const gen = this.generation;
    if (gen.pending || this.rows === null) return undefined;
    const token = this.cache.peek<string>(gen.key);
    return token !== undefined && token.hit && typeof token.value === "string" ? token.value : undefined;
  }

  /** A memory hit answered synchronously: the caller's own copy of the rows. Undefined for anything else — then `read`. */
  peek(statement: StatementKey, key: RowKey, counters: Counters): RawResult | undefined {
    const token = this.peekToken();
    if (token === undefined) return undefined;
    const d = this.rows!.get(statement, key, token, Date.now());
    if (d === undefined) return undefined;
    counters.hit();
    return resultOf(d);
  }

  /** The first row of a memory hit made under `token` (the caller's own copy; null: no row), undefined on a miss. */
  peekRow(statement: StatementKey, key: RowKey, token: string, now: number, counters: Counters): Row | null | undefined {
    const d = this.rows!.get(statement, key, token, now);
    if (d === undefined) return undefined;
    counters.hit();
    return firstRowOf(d);
  }

  /** MemoryRows.firstRows for a batch under `token` (from peekToken); hits are counted. */
  firstRows(statement: StatementKey, paramSets: readonly SqlParams[], token: string, now: number, out: (Row | null | undefined)[], counters: Counters): number {
    const hits = this.rows!.firstRows(statement, paramSets, token, now, out);
    for (let i = 0; i < hits; i++) counters.hit();
    return hits;
  }

  /** `params` is the params key text, `key` the same params as a memory key (rowKey). */
  async read(statement: StatementKey, params: string, key: RowKey, run: () => Promise<RawResult>, counters: Counters): Promise<RawResult> {
    const gen = this.generation;
    if (gen.pending) {
      counters.miss();
      return run();
    }
    const failuresBefore = gen.failures();
    let token: string | undefined;
    if (this.rows !== null) {
      token = this.peekToken();
      const d = token === undefined ? undefined : this.rows.get(statement, key, token, Date.now());
      if (d !== undefined) {
        counters.hit();
        return resultOf(d);
      }
    } else {
      let entry: Entry | undefined;
      try {
        const [g, e] = await Promise.all([this.cache.get<string>(gen.key), this.cache.get<Entry>(entryKey(statement.local + params))]);
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
      if (token !== undefined && entry !== undefined && entry !== null && entry.g === token) {
        counters.hit();
        return resultOf(decodedEntry(entry));
      }
    }
    if (token === undefined) {
      // No generation yet (first use, or evicted): start one. The query runs only after the
      // token is stored, so a write racing with this read either replaces the token later
      // (this entry dies) or committed before the query ran (the entry is fresh).
      token = await this.newGeneration(failuresBefore);
      if (token === undefined) {
        counters.miss();
        return run();
      }
    }
    counters.miss();
    return this.fill(statement, params, key, token, run);
  }

  /**
   * `read` for many params of one statement: the generation token and every entry in one
   * `getMany` (one round trip on redis/valkey), then the misses run (concurrently) and are
   * stored as `read` stores them. Results in the order of `params`.
   */
  async readMany(statement: StatementKey, params: readonly string[], keys: readonly RowKey[], run: (index: number) => Promise<RawResult>, counters: Counters): Promise<RawResult[]> {
    if (this.rows !== null) return Promise.all(params.map((p, i) => this.read(statement, p, keys[i]!, () => run(i), counters)));
    const gen = this.generation;
    const runAll = (): Promise<RawResult[]> => {
      for (let i = 0; i < params.length; i++) counters.miss();
      return Promise.all(params.map((_, i) => run(i)));
    };
    if (gen.pending) return runAll();
    const failuresBefore = gen.failures();
    let found: CacheLookup<unknown>[] | undefined;
    try {
      found = await this.cache.getMany([gen.key, ...params.map((p) => entryKey(statement.local + p))]);
    } catch (error) {
      log.debug(`db cache: lookup failed: ${String(error)}`);
    }
    if (gen.failures() !== failuresBefore) gen.markPending();
    if (gen.pending || found === undefined) return runAll();
    const g = found[0]!;
    let token = g.hit && typeof g.value === "string" ? g.value : undefined;
    // no generation yet: as in `read`, stored before any query runs
    token ??= await this.newGeneration(failuresBefore);
    if (token === undefined) return runAll();
    const results = new Array<RawResult | Promise<RawResult>>(params.length);
    for (let i = 0; i < params.length; i++) {
      const e = found[i + 1]!;
      const entry = e.hit ? (e.value as Entry | null) : null;
      if (entry !== null && entry.g === token) {
        counters.hit();
        results[i] = resultOf(decodedEntry(entry));
      } else {
        counters.miss();
        results[i] = this.fill(statement, params[i]!, keys[i]!, token, () => run(i));
      }
    }
    return Promise.all(results);
  }

  /** Stores a fresh token; undefined (and the generation pending) when the backend failed meanwhile. */
  private async newGeneration(failuresBefore: number): Promise<string | undefined> {
    const gen = this.generation;
    const token = newToken();
    await this.guard(this.cache.set(gen.key, token, 0));
    if (gen.failures() !== failuresBefore) {
      gen.markPending();
      return undefined;
    }
    return token;
  }

  /** A miss: runs the query once per entry and token in this process and stores its result under `token`. */
  private async fill(statement: StatementKey, params: string, key: RowKey, token: string, run: () => Promise<RawResult>): Promise<RawResult> {
    const rows = this.rows;
    const storeKey = rows === null ? entryKey(statement.local + params) : `${statement.memoryPrefix}${params}`;
    const flight = `${storeKey}\u0000${token}`;
    const running = this.inflight.get(flight);
    if (running !== undefined) return running.then(copyResult);
    const result = run();
    this.inflight.set(flight, result);
    try {
      const r = await result;
      const encoded = encodeResult(r);
      if (encoded !== null) {
        // decoded from the encoding: a private copy with the types a network round trip keeps
        if (rows !== null) rows.set(statement, key, token, decodedOf(decodeResult(encoded).rows, r.columns), this.ttl * 1000);
        // awaited, so an instance reading right after this one returned finds the entry
        else await this.guard(this.cache.set(storeKey, { g: token, ...encoded }, this.ttl));
      }
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

/** A network entry's rows, decoded on its first hit and kept on it (entries are replaced, never changed). */
function decodedEntry(entry: Entry): Decoded {
  return (entry[DECODED] ??= decodedOf(decodeResult(entry).rows, entry.c));
}
