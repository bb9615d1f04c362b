/**
 * The DB query cache in front of `Database.runQuery`: a request-scoped layer (per HTTP
 * request, in-process) over an optional persistent layer (a cache backend), over the
 * database. The Database calls `read` only outside transactions and only for `fetch` /
 * `fetchOne` without `{cache: false}`; it calls `invalidate` after every write outside a
 * transaction and after the commit of every transaction that wrote.
 */
import { readCacheSettings } from "../../cache/config.js";
import { createCache } from "../../cache/factory.js";
import { redactUrl } from "../../cache/shared.js";
import type { RawResult } from "../adapters/adapter.js";
import type { DatabaseCacheStats, Row, SqlParams } from "../types.js";
import type { ParsedDatabaseUrl } from "../url.js";
import { readQueryCacheConfig, type QueryCacheConfig, type QueryCacheOptions } from "./config.js";
import { bumpLocalGeneration, localGeneration } from "./invalidation.js";
import { cacheableSql, databaseIdentity, generationKey, paramsKey, statementKey, type DatabaseIdentity, type StatementKey } from "./keys.js";
import { PersistentCache, copyResult } from "./persistent.js";
import { numericRowKey, rowKey, type RowKey } from "./memory-rows.js";
import { Counters } from "./counters.js";
import { currentRequestScope, enableRequestScopes, existingRequestScope, inRequestScope, type RequestScope, type ScopedEntry } from "./request-scope.js";

export { runInRequestScope } from "./request-scope.js";
export type { QueryCacheOptions } from "./config.js";


/** Placeholder until the entry's read is running (set before the entry is stored). */
const NEVER: Promise<unknown> = new Promise(() => undefined);
const RESOLVED: Promise<unknown> = Promise.resolve();

export class QueryCache {
  private readonly counters: Counters;
  private readonly statements = { all: new Map<string, StatementKey>(), one: new Map<string, StatementKey>() };
  private readonly requestTtlMs: number;
  /** The persistent layer was closed by a shutdown's release; `reopen` opens it anew. */
  private released = false;
  private closed = false;

  private constructor(
    private readonly identity: DatabaseIdentity,
    private readonly config: QueryCacheConfig,
    private persistent: PersistentCache | null,
    engine: string,
  ) {
    this.requestTtlMs = config.requestTtl * 1000;
    this.counters = new Counters(engine);
  }

  /** Null when both layers are off. Rejects for an unknown backend name (a startup error). */
  static async create(parsed: ParsedDatabaseUrl, options?: QueryCacheOptions): Promise<QueryCache | null> {
    const config = readQueryCacheConfig(options);
    if (!config.request && !config.persistent) return null;
    const identity = databaseIdentity(parsed);
    const persistent = config.persistent ? await openPersistent(identity, config) : null;
    if (config.request) enableRequestScopes();
    return new QueryCache(identity, config, persistent, parsed.engine);
  }

  /** Whether a read in the calling context can use a layer at all (cheap; checked before `read`). */
  applies(): boolean {
    return this.persistent !== null || (this.config.request && inRequestScope());
  }

  /**
   * The read through both layers. A hit the process already holds (this request's scope, the
   * memory backend) is returned as is, not wrapped in a promise: a request reading many
   * cached rows would otherwise pay a promise and its reaction per row.
   */
  read(sql: string, params: SqlParams, mode: "all" | "one", run: () => Promise<RawResult>): RawResult | Promise<RawResult> {
    if (!cacheableSql(sql)) return run();
    const p = paramsKey(params);
    if (p === null) return run();
    const statement = this.statement(sql, mode);
    const key = rowKey(params, p);
    const scope = this.config.request ? currentRequestScope() : undefined;
    if (scope === undefined) return this.next(statement, p, key, run);
    const gen = localGeneration(this.identity.database);
    const now = Date.now();
    const found = scope.get(statement, p);
    if (found !== undefined && found.gen === gen && found.expires > now) {
      this.counters.hit();
      const snapshot = found.snapshot;
      return snapshot !== undefined ? copyResult(snapshot) : found.pending.then(() => copyResult(found.snapshot!));
    }
    const hit = this.persistent?.peek(statement, key, this.counters);
    if (hit !== undefined) {
      scope.set(statement, p, { gen, expires: now + this.requestTtlMs, snapshot: copyResult(hit), pending: RESOLVED });
      return hit;
    }
    return this.track(scope, statement, p, gen, now, this.miss(statement, p, key, run));
  }

  /**
   * `read` in "one" mode for many parameter sets of one statement (Database.fetchMany): the
   * first row of each, in order. Everything below the statement's key — the request scope,
   * the generation token, AsyncLocalStorage — is looked up once per call, not once per row,
   * and when every row is a hit the process holds, the rows come back without a promise.
   * Misses on a network backend are looked up together (one `getMany`), then run
   * concurrently. Undefined when the statement is not cacheable (the caller runs it).
   */
  readOneMany(sql: string, paramSets: readonly SqlParams[], run: (params: SqlParams) => Promise<RawResult>): (Row | null)[] | Promise<(Row | null)[]> | undefined {
    if (!cacheableSql(sql)) return undefined;
    const n = paramSets.length;
    const statement = this.statement(sql, "one");
    // the scope is asked only when this request already read the statement (fetchMany's memory
    // hits are not kept there), and made only for misses: all hits cost no per-request objects
    const scope = this.config.request ? existingRequestScope() : undefined;
    const scoped = scope !== undefined && scope.has(statement);
    const gen = this.config.request ? localGeneration(this.identity.database) : 0;
    const now = Date.now();
    const persistent = this.persistent;
    const token = persistent?.peekToken();
    const out = new Array<Row | null | undefined>(n);
    // the common case first: lookups by one number, answered in one pass over the statement's entries
    if (!scoped && token !== undefined && persistent!.firstRows(statement, paramSets, token, now, out, this.counters) === n) return out as (Row | null)[];
    let missing: number[] | undefined;
    for (let i = 0; i < n; i++) {
      if (out[i] !== undefined) continue;
      const params = paramSets[i]!;
      let key: RowKey | null = numericRowKey(params);
      if (key === null || scoped) {
        const p = paramsKey(params);
        if (p === null) {
          (missing ??= []).push(i);
          continue;
        }
        key ??= p;
        if (scoped) {
          const found = scope.get(statement, p);
          if (found !== undefined && found.snapshot !== undefined && found.gen === gen && found.expires > now) {
            this.counters.hit();
            out[i] = copyResult(found.snapshot).rows[0] ?? null;
            continue;
          }
        }
      }
      if (token !== undefined) {
        const row = persistent!.peekRow(statement, key, token, now, this.counters);
        if (row !== undefined) {
          out[i] = row;
          continue;
        }
      }
      (missing ??= []).push(i);
    }
    if (missing === undefined) return out as (Row | null)[];
    return this.readMissing(sql, statement, gen, now, token, paramSets, missing, run).then((rows) => {
      for (let j = 0; j < missing.length; j++) out[missing[j]!] = rows[j]!.rows[0] ?? null;
      return out as (Row | null)[];
    });
  }

  /** The rest of `readOneMany`: one persistent `readMany` for what only a network backend can answer, `read` for the others. */
  private readMissing(
    sql: string, statement: StatementKey, gen: number, now: number, token: string | undefined,
    paramSets: readonly SqlParams[], missing: number[], run: (params: SqlParams) => Promise<RawResult>,
  ): Promise<RawResult[]> {
    const scope = this.config.request ? currentRequestScope() : undefined;
    const pending = new Array<RawResult | Promise<RawResult>>(missing.length);
    const batch: number[] = [];
    const texts: string[] = [];
    for (let j = 0; j < missing.length; j++) {
      const params = paramSets[missing[j]!]!;
      const p = paramsKey(params);
      if (p === null) pending[j] = run(params);
      // a network backend (no synchronous token), and not already being read in this request
      else if (this.persistent !== null && token === undefined && scope?.get(statement, p) === undefined) {
        batch.push(j);
        texts.push(p);
      } else pending[j] = this.read(sql, params, "one", () => run(params));
    }
    if (batch.length > 0) {
      const keys = batch.map((j, k) => rowKey(paramSets[missing[j]!]!, texts[k]!));
      const many = this.persistent!.readMany(statement, texts, keys, (k) => run(paramSets[missing[batch[k]!]!]!), this.counters);
      for (let k = 0; k < batch.length; k++) {
        const one = many.then((rs) => rs[k]!);
        pending[batch[k]!] = scope === undefined ? one : this.track(scope, statement, texts[k]!, gen, now, one);
      }
    }
    return Promise.all(pending);
  }

  /** Keeps a running read in the request scope, so identical reads of this request wait for it instead of running again. */
  private track(scope: RequestScope, statement: StatementKey, p: string, gen: number, now: number, work: Promise<RawResult>): Promise<RawResult> {
    const entry: ScopedEntry = { gen, expires: now + this.requestTtlMs, snapshot: undefined, pending: NEVER };
    const result = work.then(
      (r) => {
        entry.snapshot = copyResult(r);
        return r;
      },
      (error: unknown) => {
        scope.delete(statement, p, entry);
        throw error;
      },
    );
    entry.pending = result;
    scope.set(statement, p, entry);
    return result;
  }

  /** One object per mode and SQL: the request scope's first-level key and the persistent key's prefix. */
  private statement(sql: string, mode: "all" | "one"): StatementKey {
    const byMode = this.statements[mode];
    let found = byMode.get(sql);
    if (found === undefined) {
      if (byMode.size >= 2000) byMode.clear();
      found = statementKey(this.identity, mode, sql);
      byMode.set(sql, found);
    }
    return found;
  }

  /** Below the request scope: the persistent layer (a memory hit synchronously), else the database. */
  private next(statement: StatementKey, params: string, key: RowKey, run: () => Promise<RawResult>): RawResult | Promise<RawResult> {
    return this.persistent?.peek(statement, key, this.counters) ?? this.miss(statement, params, key, run);
  }

  /** `next` once the memory layer has been asked. */
  private miss(statement: StatementKey, params: string, key: RowKey, run: () => Promise<RawResult>): Promise<RawResult> {
    if (this.persistent !== null) return this.persistent.read(statement, params, key, run, this.counters);
    this.counters.miss();
    return run();
  }

  /**
   * After a write (committed, or outside a transaction): request-scope entries of this
   * database in this process stop being served, and with a persistent layer the shared
   * generation is replaced before this resolves.
   */
  invalidate(): Promise<void> {
    bumpLocalGeneration(this.identity.database);
    existingRequestScope()?.clear();
    return this.persistent === null ? Promise.resolve() : this.persistent.invalidate();
  }

  async stats(): Promise<DatabaseCacheStats> {
    const { hits, misses } = this.counters;
    if (this.persistent !== null) {
      const size = await this.persistent.size();
      return { enabled: true, mode: "persistent", backend: this.persistent.cache.backend, hits, misses, size, ttl: this.config.ttl };
    }
    const size = existingRequestScope()?.size ?? 0;
    return { enabled: true, mode: "request", backend: "memory", hits, misses, size, ttl: this.config.requestTtl };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.persistent?.close();
  }

  /** Closes the persistent layer's backend (a shutdown); counters and settings stay for `reopen`. */
  async release(): Promise<void> {
    if (this.persistent === null || this.released || this.closed) return;
    this.released = true;
    await this.persistent.close();
  }

  /** After `release`: the persistent layer on a backend opened anew (its server may be another process's by now). */
  async reopen(): Promise<void> {
    if (!this.released || this.closed) return;
    const next = await openPersistent(this.identity, this.config);
    if (this.closed) {
      await next.close();
      return;
    }
    this.persistent = next;
    this.released = false;
  }
}

async function openPersistent(identity: DatabaseIdentity, config: QueryCacheConfig): Promise<PersistentCache> {
  // entries are only read (decodeResult builds fresh rows), so hits may share decoded values
  const cache = await createCache({ backend: config.backend, url: config.url, namespace: "dbcache", ttl: config.ttl, sharedDecoded: readCacheSettings().maxEntries + 1 });
  return new PersistentCache(cache, generationKey(identity), config.ttl, `${cache.backend} ${redactUrl(config.url ?? "")}`.trim(), readCacheSettings().maxEntries);
}
