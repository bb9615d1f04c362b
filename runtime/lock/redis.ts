/**
 * Locks on Redis/Valkey: `SET key token NX PX ttl`. Only the holder's token can renew or
 * delete the key (compare-and-act in Lua), so a holder that lost the key to expiry never
 * releases someone else's lock. The holder renews every ttl/3 while its work runs; a killed
 * holder's key expires after the TTL.
 */
import { randomBytes } from "node:crypto";
import { loadDriver } from "../drivers.js";
import { warnEvery } from "../log.js";
import type { Held, LockBackend } from "./backend.js";
import { LockError, LockErrorCode } from "./errors.js";
import { backoff } from "../async/backoff.js";

interface RedisClient {
  connect(): Promise<unknown>;
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly isReady: boolean;
}
interface RedisModule {
  createClient(options: { url: string; disableOfflineQueue: boolean; socket: { connectTimeout: number; reconnectStrategy: (retries: number) => number | false } }): RedisClient;
}

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const CONNECT_TIMEOUT_MS = 3000;

const redact = (url: string) => url.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@");

export class RedisLockBackend implements LockBackend {
  readonly kind = "redis";
  readonly location: string;

  private constructor(private readonly client: RedisClient, url: string, private readonly prefix: string) {
    this.location = redact(url);
  }

  static async open(url: string, prefix: string): Promise<RedisLockBackend> {
    const normalized = url.replace(/^valkey(s?):\/\//i, "redis$1://");
    const redis = await loadDriver<RedisModule>("redis");
    if (!redis) throw new LockError(LockErrorCode.DRIVER_MISSING, "locks on Redis/Valkey need the npm package \"redis\": npm install redis");
    let established = false;
    const client = redis.createClient({
      url: normalized,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries) => (established ? backoff(retries, 50, 2000) : false),
      },
    });
    client.on("error", (error) => warnEvery(`lock-redis:${url}`, `lock server ${redact(url)}: ${error.message}`, 10_000));
    try {
      await client.connect();
    } catch (error) {
      try { client.destroy(); } catch { /* never connected */ }
      throw new LockError(LockErrorCode.UNAVAILABLE, `the lock server ${redact(url)} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    established = true;
    return new RedisLockBackend(client, url, prefix);
  }

  private unavailable(error: unknown, what: string): LockError {
    return new LockError(LockErrorCode.UNAVAILABLE, `${what}: the lock server ${this.location} is unavailable (${(error as Error).message})`, { cause: error });
  }

  async tryAcquire(name: string, ttlMs: number): Promise<Held | null> {
    const key = `${this.prefix}${name}`;
    const token = randomBytes(16).toString("hex");
    let reply: string | null;
    try {
      reply = await this.client.set(key, token, { NX: true, PX: ttlMs });
    } catch (error) {
      throw this.unavailable(error, `cannot take lock "${name}"`);
    }
    if (reply !== "OK") return null;
    const controller = new AbortController();
    let lost = false;
    let done = false;
    const loseIt = (why: string) => {
      if (lost || done) return;
      lost = true;
      controller.abort(new Error(`lock "${name}" was lost: ${why}`));
    };
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      renewing = this.client
        .eval(RENEW, { keys: [key], arguments: [token, String(ttlMs)] })
        .then((r) => {
          if (Number(r) === 0) loseIt("it expired before this holder renewed it");
        })
        // a renewal that cannot reach the server is retried on the next tick; the key keeps its TTL
        .catch(() => undefined);
    }, Math.max(100, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      get lost() {
        return lost;
      },
      signal: controller.signal,
      release: async () => {
        if (done) return;
        done = true;
        clearInterval(timer);
        await renewing;
        try {
          await this.client.eval(RELEASE, { keys: [key], arguments: [token] });
        } catch (error) {
          // the key expires by itself after the TTL
          warnEvery(`lock-release:${name}`, `lock "${name}": release failed (${(error as Error).message}); it expires after its TTL`);
        }
      },
    };
  }

  async close(): Promise<void> {
    try {
      if (this.client.isReady) await this.client.close();
      else this.client.destroy();
    } catch {
      try { this.client.destroy(); } catch { /* already closed */ }
    }
  }
}
