/**
 * Wraps a store whose server can disappear. Every call is bounded by a timeout; a failure or
 * timeout becomes a miss (get), a no-op (set/clear) or `false` (delete), logs a rate-limited
 * warning, and opens a short breaker so requests do not each wait out the timeout while the
 * server is known to be down. The store's own client keeps reconnecting in the background;
 * the first successful call after the breaker closes logs the recovery. Misuse errors
 * (CacheError) are never swallowed. Every absorbed failure is counted (`failures`); the
 * CacheBackend on top exposes that count as its health signal, so a consumer that must not
 * trust a degraded answer (the DB query cache) can tell a miss from an outage.
 */
import { log, warnEvery } from "../log.js";
import type { CacheStore } from "./backend.js";
import { CacheError, CacheErrorCode } from "./errors.js";
import { withTimeout } from "../async/timeout.js";
import { Deadlines } from "../async/deadlines.js";
import { tracingActive } from "../ops/tracing.js";
import { noteAbsorbedFailure } from "./traced.js";

export interface ResilientOptions {
  /** Bound on get/set/delete in ms (TINA4_CACHE_TIMEOUT_MS, 250). */
  timeoutMs: number;
  /** Bound on clear/size, which walk the namespace (default 5000 ms). */
  bulkTimeoutMs?: number;
  /** After a failure, calls return the fallback at once for this long (default 1000 ms). */
  breakerMs?: number;
  /** Identifies the server in warnings (e.g. the URL without credentials). */
  label: string;
  /**
   * Whether a failure means the server is down (opens the breaker). Default: every failure.
   * A database lock conflict, say, fails one call but says nothing about the next. Timeouts
   * always count as outages.
   */
  isOutage?: (error: unknown) => boolean;
  /**
   * Strict: a failure rejects with CacheError(T4_ERR_CACHE_UNAVAILABLE) instead of degrading
   * (and so does every call while the breaker is open). For consumers that must tell "no
   * entry" from "cannot know", such as sessions.
   */
  strict?: boolean;
}

class TimeoutError extends Error {}

/** getMany's answer when the server cannot give one: every key reads as missing (one shared empty list). */
const NO_TEXTS: readonly (string | undefined)[] = Object.freeze([]);

const timedOut = (ms: number) => () => new TimeoutError(`timed out after ${ms} ms`);

export class ResilientStore implements CacheStore {
  readonly backend: CacheStore["backend"];
  readonly namespace: string;
  readonly inner: CacheStore;
  #timeoutMs: number;
  /** The per-call bound of get/set/delete/incr: one timer for all calls in flight. */
  #deadlines: Deadlines;
  #bulkTimeoutMs: number;
  #breakerMs: number;
  #label: string;
  #isOutage: (error: unknown) => boolean;
  #strict: boolean;
  #failures = 0;
  #openUntil = 0;
  #degraded = false;

  constructor(inner: CacheStore, options: ResilientOptions) {
    this.inner = inner;
    this.backend = inner.backend;
    this.namespace = inner.namespace;
    this.#timeoutMs = options.timeoutMs;
    this.#deadlines = new Deadlines(options.timeoutMs);
    this.#bulkTimeoutMs = options.bulkTimeoutMs ?? Math.max(5000, options.timeoutMs);
    this.#breakerMs = options.breakerMs ?? 1000;
    this.#label = options.label;
    this.#isOutage = options.isOutage ?? (() => true);
    this.#strict = options.strict ?? false;
  }

  get failures(): number {
    return this.#failures;
  }

  get(key: string): Promise<string | undefined> {
    return this.#call("get", () => this.inner.get(key), undefined, this.#timeoutMs);
  }

  /** One bounded call for all keys (the inner store's own getMany when it has one); a failure reads as misses. */
  getMany(keys: readonly string[]): Promise<readonly (string | undefined)[]> {
    const inner = this.inner;
    const work = inner.getMany !== undefined ? () => inner.getMany!(keys) : () => Promise.all(keys.map((key) => inner.get(key)));
    return this.#call("get", work, NO_TEXTS, this.#timeoutMs);
  }

  set(key: string, text: string, ttlMs: number): Promise<void> {
    return this.#call("set", () => this.inner.set(key, text, ttlMs), undefined, this.#timeoutMs);
  }

  delete(key: string): Promise<boolean> {
    return this.#call("delete", () => this.inner.delete(key), false, this.#timeoutMs);
  }

  incr(key: string, ttlMs: number): Promise<number | undefined> {
    return this.#call("incr", () => this.inner.incr(key, ttlMs), undefined, this.#timeoutMs);
  }

  clear(): Promise<void> {
    return this.#call("clear", () => this.inner.clear(), undefined, this.#bulkTimeoutMs);
  }

  size(): Promise<number | null> {
    return this.#call("size", () => this.inner.size(), null, this.#bulkTimeoutMs);
  }

  close(): Promise<void> {
    return withTimeout(this.inner.close(), this.#bulkTimeoutMs, timedOut(this.#bulkTimeoutMs)).catch((error: unknown) => {
      log.debug(`cache ${this.backend} (${this.#label}) close: ${(error as Error).message}`);
    });
  }

  async #call<T>(op: string, work: () => Promise<T>, fallback: T, timeoutMs: number): Promise<T> {
    if (this.#openUntil !== 0) {
      if (Date.now() < this.#openUntil) {
        if (this.#strict) throw this.#unavailable(op, "it failed moments ago");
        if (tracingActive) noteAbsorbedFailure(this.#unavailable(op, "not asked, it failed moments ago"));
        return fallback;
      }
      this.#openUntil = 0;
    }
    try {
      const result = await (timeoutMs === this.#timeoutMs ? this.#deadlines.run(work(), this.#timedOut) : withTimeout(work(), timeoutMs, timedOut(timeoutMs)));
      if (this.#degraded) {
        this.#degraded = false;
        log.info(`cache ${this.backend} (${this.#label}) recovered`);
      }
      return result;
    } catch (error) {
      if (error instanceof CacheError) throw error;
      this.#failures++;
      if (error instanceof TimeoutError || this.#isOutage(error)) {
        this.#degraded = true;
        this.#openUntil = Date.now() + this.#breakerMs;
      }
      warnEvery(`cache:${this.backend}:${this.#label}`,
        `cache ${this.backend} (${this.#label}) ${op} failed: ${(error as Error).message}; ${this.#strict ? "its callers get errors" : "serving misses"} until it recovers`);
      if (this.#strict) throw this.#unavailable(op, (error as Error).message, error);
      if (tracingActive) noteAbsorbedFailure(error);
      return fallback;
    }
  }

  #timedOut = (): Error => new TimeoutError(`timed out after ${this.#timeoutMs} ms`);

  #unavailable(op: string, why: string, cause?: unknown): CacheError {
    return new CacheError(CacheErrorCode.UNAVAILABLE, `cache ${this.backend} (${this.#label}) ${op} failed: ${why}`, { cause });
  }
}
