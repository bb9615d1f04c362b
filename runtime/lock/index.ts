/**
 * Distributed locks (SPEC §13): `lock(name, ttlSeconds, fn)` runs `fn` while no other process
 * or instance holds `name`; `tryLock` runs it only if the lock is free right now.
 *
 * Where the lock lives, first match wins: TINA4_LOCK_URL; the Redis/Valkey server of the queue
 * (TINA4_QUEUE_BACKEND=redis|valkey) or of the cache (TINA4_CACHE_BACKEND=redis|valkey); else
 * the app's database (TINA4_DATABASE_URL). `ttlSeconds` is how long the lock outlives a holder
 * that stops renewing it (killed, crashed, frozen): while `fn` runs, the holder renews it.
 */
import { setting } from "../config/settings.js";
import { onShutdown } from "../lifecycle.js";
import type { Held, LockBackend } from "./backend.js";
import { LockError, LockErrorCode } from "./errors.js";

export { LockError, LockErrorCode, type LockErrorCodeValue } from "./errors.js";

export interface LockOptions {
  /** How long `lock()` waits for a busy lock before T4_ERR_LOCK_TIMEOUT (seconds; default: the TTL). */
  waitSeconds?: number;
}

/** Passed to the locked function. */
export interface LockContext {
  readonly name: string;
  /** Aborts if the lock is lost (it expired because this process could not renew it in time). */
  readonly signal: AbortSignal;
}

export type TryLockResult<T> = { acquired: true; value: T } | { acquired: false };

export interface LockSettings {
  /** redis://, rediss://, valkey://, valkeys:// or a database URL. */
  url?: string;
  /** Redis key prefix (TINA4_LOCK_PREFIX, "tina4:lock:"). */
  prefix?: string;
}

const REDIS_URL = /^(redis|rediss|valkey|valkeys):\/\//i;
const isRedisBackend = (name: string) => /^(redis|valkey)$/i.test(name.trim());

/** The lock store's URL, following the order documented above. */
export function lockUrl(settings: LockSettings = {}): string {
  if (settings.url) return settings.url;
  const explicit = setting("TINA4_LOCK_URL") ?? "";
  if (explicit) return explicit;
  if (isRedisBackend(setting("TINA4_QUEUE_BACKEND"))) return setting("TINA4_QUEUE_URL") ?? "redis://127.0.0.1:6379";
  if (isRedisBackend(setting("TINA4_CACHE_BACKEND"))) return setting("TINA4_CACHE_URL") ?? "redis://127.0.0.1:6379";
  return setting("TINA4_DATABASE_URL");
}

let settings: LockSettings = {};
let current: Promise<LockBackend> | null = null;
let unregister: (() => void) | null = null;

function backend(): Promise<LockBackend> {
  if (current === null) {
    const url = lockUrl(settings);
    const prefix = settings.prefix ?? setting("TINA4_LOCK_PREFIX");
    const opening: Promise<LockBackend> = REDIS_URL.test(url)
      ? import("./redis.js").then(({ RedisLockBackend }) => RedisLockBackend.open(url, prefix))
      : import("./database-backend.js").then(({ DatabaseLockBackend }) => DatabaseLockBackend.open(url));
    current = opening;
    opening.then(
      () => {
        unregister ??= onShutdown(closeLocks);
      },
      () => {
        if (current === opening) current = null;
      },
    );
  }
  return current;
}

/** Sets where locks live for this process (closes the current connection). */
export async function configureLock(next: LockSettings = {}): Promise<void> {
  await closeLocks();
  settings = { ...next };
}

/** Closes the lock store's connection (locks held by this process are released by their holders first). */
export async function closeLocks(): Promise<void> {
  const open = current;
  current = null;
  unregister?.();
  unregister = null;
  if (open) await open.then((b) => b.close(), () => undefined);
}

/** Which store `lock()` uses: `{kind: "redis" | "advisory" | "row", location}`. */
export async function lockBackendInfo(): Promise<{ kind: string; location: string }> {
  const b = await backend();
  return { kind: b.kind, location: b.location };
}

function checkArgs(name: string, ttlSeconds: number, fn: unknown): number {
  if (typeof name !== "string" || name === "" || name.length > 200) {
    throw new LockError(LockErrorCode.ARGUMENT, `lock name must be a non-empty string of at most 200 characters, got ${JSON.stringify(name)}`);
  }
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds < 0.1) {
    throw new LockError(LockErrorCode.ARGUMENT, `lock ttlSeconds must be a number of seconds ≥ 0.1, got ${String(ttlSeconds)} (note: seconds, not milliseconds)`);
  }
  if (typeof fn !== "function") throw new LockError(LockErrorCode.ARGUMENT, "lock needs a function to run while the lock is held");
  return Math.round(ttlSeconds * 1000);
}

async function runHeld<T>(name: string, held: Held, fn: (context: LockContext) => Promise<T> | T): Promise<T> {
  try {
    return await fn({ name, signal: held.signal });
  } finally {
    await held.release();
  }
}

/**
 * Runs `fn` holding lock `name`, waiting for it up to `waitSeconds` (default: `ttlSeconds`)
 * and failing with T4_ERR_LOCK_TIMEOUT after that. Released when `fn` settles.
 */
export async function lock<T>(name: string, ttlSeconds: number, fn: (context: LockContext) => Promise<T> | T, options: LockOptions = {}): Promise<T> {
  const ttlMs = checkArgs(name, ttlSeconds, fn);
  const waitSeconds = options.waitSeconds ?? ttlSeconds;
  if (typeof waitSeconds !== "number" || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new LockError(LockErrorCode.ARGUMENT, `waitSeconds must be a number of seconds ≥ 0, got ${String(waitSeconds)}`);
  }
  const store = await backend();
  const deadline = Date.now() + waitSeconds * 1000;
  let pause = 20;
  for (;;) {
    const held = await store.tryAcquire(name, ttlMs);
    if (held) return runHeld(name, held, fn);
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new LockError(LockErrorCode.TIMEOUT, `lock "${name}" is still held by another process after ${waitSeconds} s (raise waitSeconds, or use tryLock to skip when busy)`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, pause * (0.5 + Math.random()))));
    pause = Math.min(pause * 1.5, 500);
  }
}

/** Runs `fn` only if lock `name` is free now: `{acquired: true, value}` or `{acquired: false}`. */
export async function tryLock<T>(name: string, ttlSeconds: number, fn: (context: LockContext) => Promise<T> | T): Promise<TryLockResult<T>> {
  const ttlMs = checkArgs(name, ttlSeconds, fn);
  const held = await (await backend()).tryAcquire(name, ttlMs);
  if (!held) return { acquired: false };
  return { acquired: true, value: await runHeld(name, held, fn) };
}
