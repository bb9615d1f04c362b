import { setting } from "../config/settings.js";
import { HttpError } from "../http/errors.js";
import { MiddlewareErrorCode } from "./errors.js";
import type { Request } from "../http/request.js";
import { createCache } from "../cache/factory.js";
import { parseBackendName } from "../cache/config.js";
import type { BackendName, CacheBackend } from "../cache/backend.js";
import { builtin, type MiddlewareFunction } from "./types.js";

export interface RateLimitOptions {
  /** Requests per window per client (TINA4_RATE_LIMIT, 100). */
  limit?: number;
  /** Window length in seconds (TINA4_RATE_WINDOW, 60). */
  windowSeconds?: number;
  /** Client key; default the client IP (socket address unless TINA4_TRUSTED_PROXIES). */
  key?: (req: Request) => string;
  /**
   * Limiters with one name share their counts (across routes, workers and instances); a
   * request passing two limiters of one name counts once. Default "default".
   */
  name?: string;
  /** Where the counts live (default TINA4_CACHE_BACKEND): a network backend shares them between processes. */
  backend?: BackendName;
  /** Backend URL (default TINA4_CACHE_URL). */
  cacheUrl?: string;
}

/** One counter store per (backend, url), shared by every limiter in the process. */
const stores = new Map<string, Promise<CacheBackend>>();

/** The counter store of `backend`/`url` (namespace "ratelimit"), shared with loginThrottle(). */
export function storeFor(backend: BackendName, url: string | undefined): Promise<CacheBackend> {
  const id = `${backend}|${url ?? ""}`;
  let store = stores.get(id);
  if (!store) {
    store = createCache({ backend, url, namespace: "ratelimit" });
    stores.set(id, store);
    store.catch(() => stores.delete(id));
  }
  return store;
}

/** Closes the counter stores' connections (graceful shutdown, tests). */
export async function closeRateLimitStores(): Promise<void> {
  const all = [...stores.values()];
  stores.clear();
  await Promise.all(all.map(async (store) => (await store.catch(() => undefined))?.close()));
}

/** In-process counts for one limiter: the memory backend, and the fallback while a server is down. */
class LocalCounts {
  #window = -1;
  #counts = new Map<string, number>();

  add(key: string, window: number): number {
    if (window !== this.#window) {
      // a whole-window reset keeps memory bounded by the clients seen in one window
      this.#window = window;
      this.#counts = new Map();
    }
    const used = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, used);
    return used;
  }
}

const counted = new WeakMap<Request, Set<string>>();

/**
 * Fixed-window rate limit per client. Windows are aligned to the clock (window n covers
 * [n·w, (n+1)·w)), so every process agrees on them. With a network cache backend the count
 * is one atomic increment on the server, so the limit holds across workers and instances;
 * the memory backend counts in this process. While the server is down the limiter counts in
 * this process (degraded, never failing requests). Over the limit → 429 JSON with
 * Retry-After; RateLimit-Limit/Remaining/Reset on every response.
 */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareFunction {
  const limit = options.limit ?? setting("TINA4_RATE_LIMIT");
  const windowSeconds = options.windowSeconds ?? setting("TINA4_RATE_WINDOW");
  const windowMs = windowSeconds * 1000;
  const keyOf = options.key ?? ((req: Request) => req.ip);
  const name = options.name ?? "default";
  if (!(limit > 0) || !(windowMs > 0)) throw new RangeError("rateLimit(): limit and window must be positive");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new RangeError(`rateLimit(): name must match [A-Za-z0-9_.-]{1,64}, got ${JSON.stringify(name)}`);
  // a bad backend name is a startup error
  const backend = parseBackendName(options.backend ?? setting("TINA4_CACHE_BACKEND"), options.backend ? "rateLimit backend" : "TINA4_CACHE_BACKEND");
  const url = options.cacheUrl ?? (options.backend === undefined ? setting("TINA4_CACHE_URL") : undefined);
  const shared = backend !== "memory";
  const scope = `${name}:${limit}:${windowSeconds}`;
  const local = new LocalCounts();

  return builtin("rateLimit", async function (req, res, next) {
    const seen = counted.get(req);
    if (seen?.has(scope)) return next();
    if (seen) seen.add(scope);
    else counted.set(req, new Set([scope]));
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const endsIn = (window + 1) * windowMs - now;
    const client = keyOf(req);
    let used: number | undefined;
    if (shared) {
      // the counter outlives its window by a second at most, so clocks a little apart still agree
      used = await (await storeFor(backend, url)).incr(`${scope}:${window}:${client}`, endsIn / 1000 + 1);
    }
    used ??= local.add(client, window);
    const resetSeconds = Math.max(1, Math.ceil(endsIn / 1000));
    res.header("ratelimit-limit", limit);
    res.header("ratelimit-remaining", Math.max(0, limit - used));
    res.header("ratelimit-reset", resetSeconds);
    if (used > limit) {
      res.header("retry-after", resetSeconds);
      throw new HttpError(429, "Too Many Requests", { code: MiddlewareErrorCode.RATE_LIMITED });
    }
    return next();
  });
}
