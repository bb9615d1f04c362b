/**
 * The one cache contract every consumer (KV API, responseCache, DB query cache) uses.
 *
 * Two layers:
 * - `CacheStore` is what a backend file implements: namespaced text in, text out, TTL in
 *   milliseconds. Stores know nothing about JSON or statistics.
 * - `CacheBackend` is what consumers get: JSON values, TTL in seconds, a lookup result that
 *   tells a miss from a stored `null`, per-process hit/miss counters. `StoreBackend` turns
 *   any store into one, so encoding, TTL rules and stats live in exactly one place.
 */
import { CacheError, CacheErrorCode } from "./errors.js";
import { tracingActive } from "../ops/tracing.js";
import { recordCachePeek, traceCacheCall } from "./traced.js";
import { metrics, metricsOn } from "../instruments.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const BACKEND_NAMES = ["memory", "file", "redis", "valkey", "memcached", "mongodb", "database"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Built-in namespaces; any name matching [A-Za-z0-9_.-]{1,64} is allowed. */
export const NAMESPACES = { kv: "kv", response: "response", dbcache: "dbcache", session: "session", ratelimit: "ratelimit" } as const;

/** Result of `get`: `hit` is false on a miss, so a stored `null`/`0`/`""`/`false` is a hit. */
export type CacheLookup<T = unknown> = { readonly hit: true; readonly value: T } | { readonly hit: false; readonly value: undefined };

export interface CacheStats {
  /** The backend actually in use (after any fallback). */
  backend: BackendName;
  namespace: string;
  /** Hits and misses counted by this instance in this process. */
  hits: number;
  misses: number;
  /** Live entries in the namespace, shared by all instances; null when the backend cannot count (memcached) or is unreachable. */
  size: number | null;
  /** Backend calls that failed or timed out and were degraded to a miss / no-op. */
  errors: number;
}

export interface CacheBackend {
  readonly backend: BackendName;
  readonly namespace: string;
  /** Seconds used when `set` gets no TTL. */
  readonly defaultTtl: number;
  /**
   * Health: server calls that failed or timed out so far in this process and were degraded to
   * a miss or no-op (0 for memory, which cannot fail). A consumer that must not trust a
   * degraded answer (the DB query cache) compares it before and after its calls.
   */
  readonly failures: number;
  /** Never rejects for server trouble: an unreachable server reads as a miss. */
  get<T = unknown>(key: string): Promise<CacheLookup<T>>;
  /**
   * The same lookup answered synchronously when the data lives in this process (memory);
   * `undefined` when the backend needs I/O — then call `get`. Hot paths use it to skip a
   * promise per hit.
   */
  peek<T = unknown>(key: string): CacheLookup<T> | undefined;
  /**
   * `get` for many keys in one call, results in the order of `keys` (a key may repeat). One
   * round trip on redis/valkey (MGET); the other network backends look the keys up
   * concurrently. Never rejects for server trouble: an unreachable server reads as misses.
   */
  getMany<T = unknown>(keys: readonly string[]): Promise<CacheLookup<T>[]>;
  /**
   * Stores `value` (anything JSON can represent) for `ttlSeconds` (default: `defaultTtl`;
   * 0 = no expiry; fractions allowed). Rejects only with CacheError for a bad key, TTL or
   * unserializable value; server trouble makes it a no-op.
   */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** True when an entry was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds 1 to the counter at `key` and returns the new count: a missing or expired
   * counter starts at 1 and expires `ttlSeconds` later (default `defaultTtl`); later increments
   * keep that expiry (a fixed window). Atomic across processes on redis, valkey, memcached,
   * mongodb and database; within one process on memory and file. `undefined` when the server
   * could not count (a degraded, non-strict cache). A counter is read only through `incr`.
   */
  incr(key: string, ttlSeconds?: number): Promise<number | undefined>;
  /** Removes every entry of this namespace and nothing else. */
  clear(): Promise<void>;
  stats(): Promise<CacheStats>;
  /** Releases the connection (shared connections close when their last user closes). */
  close(): Promise<void>;
}

/** What a backend file implements. Keys arrive validated; TTL is ms, 0 = no expiry. */
export interface CacheStore {
  readonly backend: BackendName;
  readonly namespace: string;
  get(key: string): Promise<string | undefined>;
  /** Synchronous get, for stores whose data is in this process. */
  getNow?(key: string): string | undefined;
  /** Many keys at once (one round trip) for stores whose server can; otherwise StoreBackend calls `get` per key. */
  getMany?(keys: readonly string[]): Promise<readonly (string | undefined)[]>;
  set(key: string, text: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** See CacheBackend.incr; `undefined` only from the resilient wrapper when the server failed. */
  incr(key: string, ttlMs: number): Promise<number | undefined>;
  clear(): Promise<void>;
  size(): Promise<number | null>;
  close(): Promise<void>;
  /** Failures absorbed so far (resilient wrapper only). */
  readonly failures?: number;
  /** Whether an error from this store means its server is down (see ResilientOptions.isOutage). */
  isOutage?(error: unknown): boolean;
}

const namespacePattern = /^[A-Za-z0-9_.-]{1,64}$/;

export function validateNamespace(namespace: string): string {
  if (typeof namespace !== "string" || !namespacePattern.test(namespace)) {
    throw new CacheError(CacheErrorCode.BAD_NAMESPACE,
      `cache namespace must match [A-Za-z0-9_.-]{1,64}, got ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

export function validateTtl(ttlSeconds: number, what = "cache TTL"): number {
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new CacheError(CacheErrorCode.BAD_TTL, `${what} must be a number of seconds >= 0 (0 = no expiry), got ${String(ttlSeconds)}`);
  }
  return ttlSeconds;
}

function validateKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new CacheError(CacheErrorCode.BAD_KEY, `cache key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
}

/** JSON text of `value`, or CacheError when JSON cannot represent it. */
export function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new CacheError(CacheErrorCode.UNSERIALIZABLE, `cache value is not JSON-serializable: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) {
    throw new CacheError(CacheErrorCode.UNSERIALIZABLE, `cache value of type ${typeof value} is not JSON-serializable`);
  }
  return text;
}

const MISS: CacheLookup<never> = Object.freeze({ hit: false, value: undefined });

/**
 * A consumer's own bookkeeping key (responseCache's per-path generation) starts with `~`: read
 * alongside the entry it qualifies, it is neither counted in the hits/misses (stats, metrics)
 * nor given a span, so those describe the lookups the app asked for — one per cached response.
 */
export const BOOKKEEPING_PREFIX = "~";
const TILDE = 0x7e;

function isBookkeeping(key: string): boolean {
  return key.charCodeAt(0) === TILDE;
}

export class StoreBackend implements CacheBackend {
  readonly backend: BackendName;
  readonly namespace: string;
  readonly defaultTtl: number;
  #store: CacheStore;
  #hits = 0;
  #misses = 0;
  #closed = false;
  #onClose: (() => void) | undefined;
  /** key → last stored text and its decoded value (see CreateCacheOptions.sharedDecoded). */
  #decoded: Map<string, { text: string; lookup: CacheLookup<unknown> }> | null;
  #decodedMax: number;

  constructor(store: CacheStore, defaultTtl: number, onClose?: () => void, sharedDecoded = 0) {
    this.#store = store;
    this.#onClose = onClose;
    this.#decodedMax = sharedDecoded;
    this.#decoded = sharedDecoded > 0 ? new Map() : null;
    this.backend = store.backend;
    this.namespace = store.namespace;
    this.defaultTtl = validateTtl(defaultTtl, "default cache TTL");
  }

  // Each public call is one boolean check when tracing is off (runtime/cache/traced.ts).
  get<T = unknown>(key: string): Promise<CacheLookup<T>> {
    return tracingActive ? traceCacheCall(this, "get", () => this.#get<T>(key)) : this.#get<T>(key);
  }

  async #get<T>(key: string): Promise<CacheLookup<T>> {
    validateKey(key);
    return this.#lookup<T>(key, this.#closed ? undefined : await this.#store.get(key));
  }

  getMany<T = unknown>(keys: readonly string[]): Promise<CacheLookup<T>[]> {
    // traced as one `cache get` span per key, as if each had been asked alone
    return tracingActive ? Promise.all(keys.map((key) => (isBookkeeping(key) ? this.#get<T>(key) : this.get<T>(key)))) : this.#getMany<T>(keys);
  }

  async #getMany<T>(keys: readonly string[]): Promise<CacheLookup<T>[]> {
    if (!Array.isArray(keys)) throw new CacheError(CacheErrorCode.BAD_KEY, "getMany needs an array of keys");
    for (const key of keys) validateKey(key);
    if (keys.length === 0) return [];
    const store = this.#store;
    const texts = this.#closed
      ? new Array<undefined>(keys.length)
      : store.getMany !== undefined
        ? await store.getMany(keys)
        : await Promise.all(keys.map((key) => store.get(key)));
    const lookups = new Array<CacheLookup<T>>(keys.length);
    for (let i = 0; i < keys.length; i++) lookups[i] = this.#lookup<T>(keys[i]!, texts[i]);
    return lookups;
  }

  peek<T = unknown>(key: string): CacheLookup<T> | undefined {
    if (this.#store.getNow === undefined) return undefined;
    validateKey(key);
    const found = this.#lookup<T>(key, this.#closed ? undefined : this.#store.getNow(key));
    if (tracingActive && !isBookkeeping(key)) recordCachePeek(this, found);
    return found;
  }

  #lookup<T>(key: string, text: string | undefined): CacheLookup<T> {
    if (text !== undefined) {
      const memo = this.#decoded?.get(key);
      // Same text as last time (an identical string for the memory store): reuse its value.
      if (memo !== undefined && memo.text === text) {
        this.#count(key, true);
        return memo.lookup as CacheLookup<T>;
      }
      try {
        const lookup: CacheLookup<T> = { hit: true, value: JSON.parse(text) as T };
        this.#count(key, true);
        if (this.#decoded) {
          if (this.#decoded.size >= this.#decodedMax) this.#decoded.delete(this.#decoded.keys().next().value as string);
          this.#decoded.set(key, { text, lookup });
        }
        return lookup;
      } catch {
        // corrupt entry: a miss, never a crash
      }
    }
    this.#count(key, false);
    return MISS;
  }

  #count(key: string, hit: boolean): void {
    if (isBookkeeping(key)) return;
    if (hit) this.#hits++;
    else this.#misses++;
    if (metricsOn) metrics().cacheLookup(this.namespace, this.backend, hit);
  }

  set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    return tracingActive ? traceCacheCall(this, "set", () => this.#set(key, value, ttlSeconds)) : this.#set(key, value, ttlSeconds);
  }

  async #set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    validateKey(key);
    const ttl = ttlSeconds === undefined ? this.defaultTtl : validateTtl(ttlSeconds);
    const text = encodeValue(value);
    if (this.#closed) return;
    await this.#store.set(key, text, Math.ceil(ttl * 1000));
  }

  delete(key: string): Promise<boolean> {
    return tracingActive ? traceCacheCall(this, "delete", () => this.#delete(key)) : this.#delete(key);
  }

  async #delete(key: string): Promise<boolean> {
    validateKey(key);
    if (this.#closed) return false;
    return this.#store.delete(key);
  }

  incr(key: string, ttlSeconds?: number): Promise<number | undefined> {
    return tracingActive ? traceCacheCall(this, "incr", () => this.#incr(key, ttlSeconds)) : this.#incr(key, ttlSeconds);
  }

  async #incr(key: string, ttlSeconds?: number): Promise<number | undefined> {
    validateKey(key);
    const ttl = ttlSeconds === undefined ? this.defaultTtl : validateTtl(ttlSeconds);
    if (this.#closed) return undefined;
    return this.#store.incr(key, Math.ceil(ttl * 1000));
  }

  clear(): Promise<void> {
    return tracingActive ? traceCacheCall(this, "clear", () => this.#clear()) : this.#clear();
  }

  async #clear(): Promise<void> {
    if (this.#closed) return;
    await this.#store.clear();
  }

  get failures(): number {
    return this.#store.failures ?? 0;
  }

  async stats(): Promise<CacheStats> {
    const size = this.#closed ? null : await this.#store.size();
    return {
      backend: this.backend,
      namespace: this.namespace,
      hits: this.#hits,
      misses: this.#misses,
      size,
      errors: this.failures,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
    await this.#store.close();
  }
}
