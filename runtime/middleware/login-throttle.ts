import { createHash } from "node:crypto";
import { setting } from "../config/settings.js";
import { HttpError } from "../http/errors.js";
import type { Request } from "../http/request.js";
import { parseBackendName } from "../cache/config.js";
import type { BackendName, CacheBackend } from "../cache/backend.js";
import { MiddlewareErrorCode } from "./errors.js";
import { storeFor } from "./rate-limit.js";
import { builtin, type MiddlewareFunction } from "./types.js";

export interface LoginThrottleOptions {
  /** Attempts that did not succeed, per account and client IP, before 429 (default 5). */
  maxAttempts?: number;
  /** Failed attempts (401) per client IP over every account, before 429 (default 50): one address cannot spray many accounts. */
  maxAttemptsPerIp?: number;
  /** How long a count lasts, in seconds from its first attempt (default 60): also how long a lockout lasts. */
  decaySeconds?: number;
  /** The account an attempt is for; default the body's `email`, trimmed, NFC-normalised and lower-cased. */
  identity?: (req: Request) => string;
  /** Separates the counts of several throttles (default "login"). */
  name?: string;
  /** Where the counts live (default TINA4_CACHE_BACKEND): a network backend shares them between workers and instances. */
  backend?: BackendName;
  /** Backend URL (default TINA4_CACHE_URL). */
  cacheUrl?: string;
}

function emailOf(req: Request): string {
  const body = req.body;
  const email = typeof body === "object" && body !== null ? (body as Record<string, unknown>).email : undefined;
  return typeof email === "string" ? email.trim().normalize("NFC").toLowerCase() : "";
}

/** Keys carry a digest, not the address: the counter store never holds who tried to log in. */
const digest = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 22);

/** In-process counters with an expiry each: the fallback while the counter server cannot answer. */
class LocalCounts {
  #entries = new Map<string, { count: number; expires: number }>();

  add(key: string, ttlMs: number, now: number): number {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expires > now) return ++entry.count;
    if (this.#entries.size >= 10_000) for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
    this.#entries.set(key, { count: 1, expires: now + ttlMs });
    return 1;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * Login throttling as Laravel's: attempts that do not succeed are counted per (account, client
 * IP) — the account from the body's email — and a success clears that count, so the people
 * behind one office address never lock each other out and a user who mistyped once starts
 * afresh. Past `maxAttempts` in a window, or once one IP has failed `maxAttemptsPerIp` times over
 * all accounts, the route answers 429 `{"error":"Too Many Requests","code":"T4_ERR_RATE_LIMITED",
 * "message":"Too many login attempts: try again in N seconds","retryAfter":N}` with `Retry-After`,
 * without running. A count lasts `decaySeconds` from its first attempt. An attempt is counted
 * before the route runs (atomically in the counter store), so parallel guesses cannot slip past
 * the limit. A failure is a 401 from the route.
 */
export function loginThrottle(options: LoginThrottleOptions = {}): MiddlewareFunction {
  const maxAttempts = options.maxAttempts ?? 5;
  const maxPerIp = options.maxAttemptsPerIp ?? 50;
  const decaySeconds = options.decaySeconds ?? 60;
  const windowMs = decaySeconds * 1000;
  const name = options.name ?? "login";
  const identityOf = options.identity ?? emailOf;
  for (const [label, value] of [["maxAttempts", maxAttempts], ["maxAttemptsPerIp", maxPerIp], ["decaySeconds", decaySeconds]] as const) {
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`loginThrottle(): ${label} must be a positive number, got ${String(value)}`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new RangeError(`loginThrottle(): name must match [A-Za-z0-9_.-]{1,64}, got ${JSON.stringify(name)}`);
  const backend = parseBackendName(options.backend ?? setting("TINA4_CACHE_BACKEND"), options.backend ? "loginThrottle backend" : "TINA4_CACHE_BACKEND");
  const url = options.cacheUrl ?? (options.backend === undefined ? setting("TINA4_CACHE_URL") : undefined);
  const local = new LocalCounts();

  return builtin("loginThrottle", async function (req, res, next) {
    const ip = req.ip;
    const scope = `${name}:${maxAttempts}:${maxPerIp}:${decaySeconds}`;
    const pairKey = `${scope}:a:${digest(`${identityOf(req)}\n${ip}`)}`;
    const ipKey = `${scope}:f:${digest(ip)}`;
    const blockKey = `${scope}:b:${digest(ip)}`;
    const store = await storeFor(backend, url);
    /** Adds one to a counter that expires `decaySeconds` after its first count (the server's, else this process's). */
    const add = async (key: string) => (await store.incr(key, decaySeconds)) ?? local.add(key, windowMs, Date.now());
    const refuse = (until: number) => {
      const retryAfter = Math.max(1, Math.ceil((until - Date.now()) / 1000));
      res.header("retry-after", retryAfter);
      return new HttpError(429, "Too Many Requests", {
        code: MiddlewareErrorCode.RATE_LIMITED,
        details: { message: `Too many login attempts: try again in ${retryAfter} second${retryAfter === 1 ? "" : "s"}`, retryAfter },
      });
    };

    // this address failed too often, over every account
    const blocked = await store.get<number>(blockKey);
    if (blocked.hit && typeof blocked.value === "number") throw refuse(blocked.value);
    // counted before the route runs, atomically: parallel guesses cannot slip past the limit
    const attempts = await add(pairKey);
    const startedKey = `${pairKey}:t`;
    if (attempts === 1) await store.set(startedKey, Date.now(), decaySeconds);
    if (attempts > maxAttempts) {
      const started = await store.get<number>(startedKey);
      throw refuse((started.hit && typeof started.value === "number" ? started.value : Date.now()) + windowMs);
    }

    let status: number;
    try {
      await next();
      status = res.statusCode;
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      if (status === 401) await countFailure();
      throw error;
    }
    if (status < 400) {
      // a success starts this account and address afresh
      await store.delete(pairKey);
      local.delete(pairKey);
    } else if (status === 401) await countFailure();

    async function countFailure(): Promise<void> {
      if ((await add(ipKey)) < maxPerIp) return;
      const until = Date.now() + windowMs;
      await store.set(blockKey, until, decaySeconds);
    }
  });
}
