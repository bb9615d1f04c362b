/**
 * Redis (and Valkey, which speaks the same protocol) through node-redis. Keys are
 * `<prefix>:<namespace>:<key>` with PX expiry; `clear` SCANs and UNLINKs its own prefix only,
 * never FLUSHDB, so namespaces and other apps sharing the server are untouched.
 *
 * Connection policy: the first connect must succeed within `connectTimeoutMs` (otherwise the
 * factory falls back to `file`); after that the client reconnects forever with capped
 * backoff, and `disableOfflineQueue` makes commands fail at once while it is disconnected
 * instead of queueing, so the resilient wrapper can serve misses.
 */
import { loadDriver } from "../../drivers.js";
import { log } from "../../log.js";
import type { CacheStore } from "../backend.js";
import { CacheError, CacheErrorCode } from "../errors.js";
import { SharedConnections, redactUrl } from "../shared.js";
import { closeRedis, openRedis, type RedisDriver } from "../../redis/connect.js";

/** The part of node-redis this store uses (kept structural so the driver stays optional). */
interface RedisClient {
  connect(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, options?: { PX?: number }): Promise<unknown>;
  unlink(keys: string | string[]): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly isReady: boolean;
}

export interface RedisStoreOptions {
  namespace: string;
  url: string;
  /** Key prefix shared by all namespaces (default "tina4"). */
  prefix?: string;
  /** Bound on the first connection (default 1000 ms). */
  connectTimeoutMs?: number;
  backend?: "redis" | "valkey";
}

/** redis:// rediss:// and valkey:// valkeys:// (rewritten for node-redis). */
export function normalizeRedisUrl(url: string): string {
  const normalized = url.replace(/^valkey(s?):\/\//i, "redis$1://");
  if (!/^rediss?:\/\//i.test(normalized)) {
    throw new CacheError(CacheErrorCode.BAD_URL, `a redis/valkey cache URL must start with redis://, rediss://, valkey:// or valkeys://, got ${redactUrl(url)}`);
  }
  return normalized;
}

/** Escapes SCAN MATCH glob characters so a prefix matches only itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** A counter without a TTL (new, or left by a plain SET) gets one; an existing window keeps its own. */
const INCR_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if ARGV[1] ~= '0' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

const connections = new Map<number, SharedConnections<RedisClient>>();

function pool(connectTimeoutMs: number): SharedConnections<RedisClient> {
  let shared = connections.get(connectTimeoutMs);
  if (!shared) {
    shared = new SharedConnections((url) => openClient(url, connectTimeoutMs), closeRedis);
    connections.set(connectTimeoutMs, shared);
  }
  return shared;
}

async function openClient(url: string, connectTimeoutMs: number): Promise<RedisClient> {
  const redis = await loadDriver<RedisDriver<RedisClient>>("redis");
  if (!redis) throw new CacheError(CacheErrorCode.DRIVER_MISSING, "the redis cache backend needs the npm package \"redis\": npm install redis");
  const [client] = await openRedis(redis, {
    url,
    connectTimeoutMs,
    disableOfflineQueue: true,
    maxBackoffMs: 1000,
    onError: (error) => log.debug(`cache redis (${redactUrl(url)}): ${error.message}`),
    unreachable: (cause) => new CacheError(CacheErrorCode.UNREACHABLE, `redis server ${redactUrl(url)} is unreachable: ${cause.message}`, { cause }),
  });
  return client!;
}

export class RedisStore implements CacheStore {
  readonly backend: "redis" | "valkey";
  readonly namespace: string;
  #url: string;
  #prefix: string;
  #connectTimeoutMs: number;
  #client: RedisClient | undefined;

  constructor(options: RedisStoreOptions) {
    this.backend = options.backend ?? "redis";
    this.namespace = options.namespace;
    this.#url = normalizeRedisUrl(options.url);
    this.#prefix = `${options.prefix ?? "tina4"}:${options.namespace}:`;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  }

  /** Connects (or joins the process's shared client for this URL); rejects with UNREACHABLE/DRIVER_MISSING. */
  async open(): Promise<this> {
    if (!this.#client) this.#client = await pool(this.#connectTimeoutMs).acquire(this.#url);
    return this;
  }

  #ready(): RedisClient {
    if (!this.#client) throw new Error("redis store used before open()");
    return this.#client;
  }

  async get(key: string): Promise<string | undefined> {
    const text = await this.#ready().get(this.#prefix + key);
    return text ?? undefined;
  }

  /** One MGET: one round trip for every key. */
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const prefixed = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) prefixed[i] = this.#prefix + keys[i];
    const texts: (string | null | undefined)[] = await this.#ready().mGet(prefixed);
    for (let i = 0; i < texts.length; i++) if (texts[i] === null) texts[i] = undefined;
    return texts as (string | undefined)[];
  }

  async set(key: string, text: string, ttlMs: number): Promise<void> {
    await this.#ready().set(this.#prefix + key, text, ttlMs > 0 ? { PX: ttlMs } : undefined);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#ready().unlink(this.#prefix + key)) > 0;
  }

  /** INCR and, for a new counter, PEXPIRE — one script, so atomic on the server. */
  async incr(key: string, ttlMs: number): Promise<number> {
    return Number(await this.#ready().eval(INCR_SCRIPT, { keys: [this.#prefix + key], arguments: [String(Math.max(0, Math.ceil(ttlMs)))] }));
  }

  async clear(): Promise<void> {
    const client = this.#ready();
    for await (const keys of client.scanIterator({ MATCH: `${globEscape(this.#prefix)}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  }

  async size(): Promise<number> {
    let count = 0;
    for await (const keys of this.#ready().scanIterator({ MATCH: `${globEscape(this.#prefix)}*`, COUNT: 500 })) count += keys.length;
    return count;
  }

  async close(): Promise<void> {
    if (!this.#client) return;
    this.#client = undefined;
    await pool(this.#connectTimeoutMs).release(this.#url);
  }
}
