/**
 * memcached through memjs. memcached cannot list or delete by prefix, so each namespace has
 * a generation token under `<prefix>:<namespace>:gen`; every entry records the token it was
 * written under and reads compare it with the current one (fetched in parallel with the
 * entry, one round trip). `clear` replaces the token: old entries become invisible at once
 * on every instance and age out by TTL/LRU. A lost token (evicted) reads as "no entries".
 *
 * Entry text: `<gen> <expiresMs|0>\n<value>`; values over CHUNK_BYTES (memcached's item
 * limit is 1 MB) are split: the head reads `<gen> <expiresMs> C <chunks> <id>\n` and the
 * parts live under `<entryKey>#<id>#<i>`. Expiry is checked on the client to the
 * millisecond (memcached's clock is whole seconds). `size` cannot be counted: null.
 */
import { createHash, randomBytes } from "node:crypto";
import { interop, loadDriver } from "../../drivers.js";
import type { CacheStore } from "../backend.js";
import { CacheError, CacheErrorCode } from "../errors.js";
import { SharedConnections, redactUrl } from "../shared.js";

export const CHUNK_BYTES = 512 * 1024;
const MONTH_SECONDS = 60 * 60 * 24 * 30;

interface MemjsClient {
  get(key: string): Promise<{ value: Buffer | null }>;
  set(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
  add(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
  increment(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ success: boolean; value?: number | null }>;
  delete(key: string): Promise<boolean>;
  close(): void;
}

interface MemjsModule {
  Client: {
    create(servers: string, options: Record<string, unknown>): MemjsClient;
  };
}

export interface MemcachedStoreOptions {
  namespace: string;
  /** memcached://[user:pass@]host:port[,host:port...] */
  url: string;
  prefix?: string;
  /** Per-operation socket timeout memjs applies (default 1000 ms; the resilient wrapper bounds calls anyway). */
  connectTimeoutMs?: number;
}

/** memjs wants `[user:pass@]host:port,...` without a scheme. */
export function memcachedServers(url: string): string {
  const match = /^memcached?:\/\/([^/?#]+)\/?$/i.exec(url.trim());
  if (!match) throw new CacheError(CacheErrorCode.BAD_URL, `a memcached cache URL looks like memcached://host:11211, got ${redactUrl(url)}`);
  return decodeURIComponent(match[1]!);
}

const connections = new SharedConnections<MemjsClient>(async (key) => {
  const [servers, timeout] = JSON.parse(key) as [string, number];
  const memjs = await loadDriver<unknown>("memjs");
  if (!memjs) throw new CacheError(CacheErrorCode.DRIVER_MISSING, "the memcached cache backend needs the npm package \"memjs\": npm install memjs");
  const { Client } = interop<MemjsModule>(memjs);
  return Client.create(servers, {
    retries: 1,
    timeout: timeout / 1000,
    conntimeout: timeout / 1000,
    keepAlive: true,
    logger: { log: () => undefined },
  });
}, async (client) => client.close());

/** Seconds for memcached's exptime: whole seconds with a margin (the client checks exactly), absolute beyond 30 days. */
function serverExpiry(ttlMs: number): number {
  if (ttlMs <= 0) return 0;
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  return seconds > MONTH_SECONDS ? Math.ceil(Date.now() / 1000) + seconds : seconds;
}

export class MemcachedStore implements CacheStore {
  readonly backend = "memcached" as const;
  readonly namespace: string;
  #connectionKey: string;
  #base: string;
  #genKey: string;
  #client: MemjsClient | undefined;

  constructor(options: MemcachedStoreOptions) {
    this.namespace = options.namespace;
    this.#connectionKey = JSON.stringify([memcachedServers(options.url), options.connectTimeoutMs ?? 1000]);
    this.#base = `${options.prefix ?? "tina4"}:${options.namespace}:`;
    this.#genKey = `${this.#base}gen`;
  }

  /** Connects and proves the server answers; rejects with UNREACHABLE/DRIVER_MISSING. */
  async open(): Promise<this> {
    if (this.#client) return this;
    const client = await connections.acquire(this.#connectionKey);
    try {
      await client.get(this.#genKey);
    } catch (error) {
      await connections.release(this.#connectionKey);
      const servers = (JSON.parse(this.#connectionKey) as [string])[0].replace(/^[^@]*@/, "");
      throw new CacheError(CacheErrorCode.UNREACHABLE, `memcached server ${servers} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    this.#client = client;
    return this;
  }

  #ready(): MemjsClient {
    if (!this.#client) throw new Error("memcached store used before open()");
    return this.#client;
  }

  /** memcached keys: ≤250 bytes, no spaces or control characters; others are hashed. */
  #entryKey(key: string): string {
    if (key.length <= 180 && /^[\x21-\x7e]+$/.test(key)) return `${this.#base}k:${key}`;
    return `${this.#base}h:${createHash("sha256").update(key).digest("base64url")}`;
  }

  async #generation(create: boolean): Promise<string | undefined> {
    const client = this.#ready();
    const current = (await client.get(this.#genKey)).value;
    if (current) return current.toString("latin1");
    if (!create) return undefined;
    const fresh = randomBytes(8).toString("hex");
    if (await client.add(this.#genKey, fresh, { expires: 0 })) return fresh;
    return (await client.get(this.#genKey)).value?.toString("latin1");
  }

  async get(key: string): Promise<string | undefined> {
    const client = this.#ready();
    const entryKey = this.#entryKey(key);
    const [generation, entry] = await Promise.all([this.#generation(false), client.get(entryKey)]);
    const buffer = entry.value;
    if (!generation || !buffer) return undefined;
    const nl = buffer.indexOf(10);
    if (nl < 0) return undefined;
    const head = buffer.toString("latin1", 0, nl).split(" ");
    if (head[0] !== generation) return undefined;
    const expires = Number(head[1]);
    if (!Number.isFinite(expires) || (expires !== 0 && expires <= Date.now())) return undefined;
    if (head.length === 2) return buffer.toString("utf8", nl + 1);
    if (head.length !== 5 || head[2] !== "C") return undefined;
    const count = Number(head[3]);
    const id = head[4]!;
    if (!Number.isSafeInteger(count) || count < 1) return undefined;
    const parts = await Promise.all(Array.from({ length: count }, (_, i) => client.get(`${entryKey}#${id}#${i}`)));
    const buffers: Buffer[] = [];
    for (const part of parts) {
      if (!part.value) return undefined;
      buffers.push(part.value);
    }
    return Buffer.concat(buffers).toString("utf8");
  }

  async set(key: string, text: string, ttlMs: number): Promise<void> {
    const client = this.#ready();
    const generation = await this.#generation(true);
    if (!generation) return;
    const entryKey = this.#entryKey(key);
    const expires = ttlMs > 0 ? Date.now() + ttlMs : 0;
    const options = { expires: serverExpiry(ttlMs) };
    const body = Buffer.from(text, "utf8");
    if (body.length <= CHUNK_BYTES) {
      await client.set(entryKey, Buffer.concat([Buffer.from(`${generation} ${expires}\n`, "latin1"), body]), options);
      return;
    }
    const id = randomBytes(4).toString("hex");
    const count = Math.ceil(body.length / CHUNK_BYTES);
    await Promise.all(Array.from({ length: count }, (_, i) =>
      client.set(`${entryKey}#${id}#${i}`, body.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), options)));
    // the head goes last: a reader never sees a head whose parts are not all written
    await client.set(entryKey, `${generation} ${expires} C ${count} ${id}\n`, options);
  }

  async delete(key: string): Promise<boolean> {
    return this.#ready().delete(this.#entryKey(key));
  }

  /**
   * memcached's own atomic increment with an initial value: a missing counter is created at 1
   * with the expiry in the same command. Counters live under their own key (with the
   * namespace generation in it, so `clear` drops them too); memcached expires in whole seconds,
   * so a counter may live up to two seconds past its TTL, never less than it.
   */
  async incr(key: string, ttlMs: number): Promise<number> {
    const client = this.#ready();
    const generation = await this.#generation(true);
    if (!generation) throw new Error("memcached lost the namespace generation while counting");
    const counterKey = `${this.#base}n:${generation}:${this.#entryKey(key).slice(this.#base.length)}`;
    // memcached's clock ticks in whole seconds: one second more, so a counter never ends early
    // (an early end would let a rate limit through); a late one only outlives its window
    const seconds = ttlMs > 0 ? Math.ceil(ttlMs / 1000) + 1 : 0;
    const result = await client.increment(counterKey, 1, { initial: 1, expires: seconds > MONTH_SECONDS ? Math.ceil(Date.now() / 1000) + seconds : seconds });
    if (!result.success || typeof result.value !== "number") throw new Error("memcached refused the increment");
    return result.value;
  }

  async clear(): Promise<void> {
    await this.#ready().set(this.#genKey, randomBytes(8).toString("hex"), { expires: 0 });
  }

  size(): Promise<null> {
    return Promise.resolve(null);
  }

  async close(): Promise<void> {
    if (!this.#client) return;
    this.#client = undefined;
    await connections.release(this.#connectionKey);
  }
}
