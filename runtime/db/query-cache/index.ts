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
import type { DatabaseCacheStats, SqlParams } from "../types.js";
import type { ParsedDatabaseUrl } from "../url.js";
import { readQueryCacheConfig, type QueryCacheConfig, type QueryCacheOptions } from "./config.js";
import { bumpLocalGeneration, localGeneration } from "./invalidation.js";
import { cacheableSql, databaseIdentity, generationKey, paramsKey, statementKey, type DatabaseIdentity, type StatementKey } from "./keys.js";
import { PersistentCache, copyResult } from "./persistent.js";
import { Counters } from "./counters.js";
import { currentRequestScope, enableRequestScopes, existingRequestScope, inRequestScope, type ScopedEntry } from "./request-scope.js";

export { runInRequestScope } from "./request-scope.js";
export type { QueryCacheOptions } from "./config.js";


/** Placeholder until the entry's read is running (set before the entry is stored). */
const NEVER: Promise<unknown> = new Promise(() => undefined);
const RESOLVED: Promise<unknown> = Promise.resolve();

export class QueryCache {
  private readonly counters: Counters;
  private readonly statements = { all: new Map<string, StatementKey>(), one: new Map<string, StatementKey>() };
  private readonly requestTtlMs: number;

  private constructor(
    private readonly identity: DatabaseIdentity,
    private readonly config: QueryCacheConfig,
    private readonly persistent: PersistentCache | null,
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
    let persistent: PersistentCache | null = null;
    if (config.persistent) {
      // entries are only read (decodeResult builds fresh rows), so hits may share decoded values
      const cache = await createCache({ backend: config.backend, url: config.url, namespace: "dbcache", ttl: config.ttl, sharedDecoded: readCacheSettings().maxEntries + 1 });
      persistent = new PersistentCache(cache, generationKey(identity), config.ttl, `${cache.backend} ${redactUrl(config.url ?? "")}`.trim());
    }
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
    const scope = this.config.request ? currentRequestScope() : undefined;
    if (scope === undefined) return this.next(statement, p, run);
    const gen = localGeneration(this.identity.database);
    const now = Date.now();
    const found = scope.get(statement, p);
    if (found !== undefined && found.gen === gen && found.expires > now) {
      this.counters.hit();
      const snapshot = found.snapshot;
      return snapshot !== undefined ? copyResult(snapshot) : found.pending.then(() => copyResult(found.snapshot!));
    }
    const hit = this.persistent?.peek(statement, p, this.counters);
    if (hit !== undefined) {
      scope.set(statement, p, { gen, expires: now + this.requestTtlMs, snapshot: copyResult(hit), pending: RESOLVED });
      return hit;
    }
    const entry: ScopedEntry = { gen, expires: now + this.requestTtlMs, snapshot: undefined, pending: NEVER };
    const result = this.miss(statement, p, run).then(
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
  private next(statement: StatementKey, params: string, run: () => Promise<RawResult>): RawResult | Promise<RawResult> {
    return this.persistent?.peek(statement, params, this.counters) ?? this.miss(statement, params, run);
  }

  /** `next` once the memory layer has been asked. */
  private miss(statement: StatementKey, params: string, run: () => Promise<RawResult>): Promise<RawResult> {
    if (this.persistent !== null) return this.persistent.read(statement, params, run, this.counters);
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
      const s = await this.persistent.cache.stats();
      return { enabled: true, mode: "persistent", backend: s.backend, hits, misses, size: s.size ?? 0, ttl: this.config.ttl };
    }
    const size = existingRequestScope()?.size ?? 0;
    return { enabled: true, mode: "request", backend: "memory", hits, misses, size, ttl: this.config.requestTtl };
  }

  async close(): Promise<void> {
    await this.persistent?.close();
  }
}
