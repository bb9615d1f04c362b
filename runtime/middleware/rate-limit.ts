import { envInt } from "../config/env.js";
import { HttpError } from "../http/errors.js";
import type { Request } from "../http/request.js";
import { builtin, type MiddlewareFunction } from "./types.js";

export interface RateLimitOptions {
  /** Requests per window per client (TINA4_RATE_LIMIT, 100). */
  limit?: number;
  /** Window length in seconds (TINA4_RATE_WINDOW, 60). */
  windowSeconds?: number;
  /** Client key; default the client IP (socket address unless TINA4_TRUSTED_PROXIES). */
  key?: (req: Request) => string;
}

/**
 * Fixed-window rate limit per client, in process memory. Over the limit → 429 JSON with
 * Retry-After. Sends RateLimit-Limit/Remaining/Reset on every response.
 */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareFunction {
  const limit = options.limit ?? envInt("TINA4_RATE_LIMIT", 100);
  const windowMs = (options.windowSeconds ?? envInt("TINA4_RATE_WINDOW", 60)) * 1000;
  const keyOf = options.key ?? ((req: Request) => req.ip);
  if (!(limit > 0) || !(windowMs > 0)) throw new RangeError("rateLimit(): limit and window must be positive");
  let windowStart = Date.now();
  let counts = new Map<string, number>();

  return builtin("rateLimit", async function (req, res, next) {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      // Whole-window reset keeps memory bounded by the clients seen in one window.
      windowStart = now - ((now - windowStart) % windowMs);
      counts = new Map();
    }
    const key = keyOf(req);
    const used = (counts.get(key) ?? 0) + 1;
    counts.set(key, used);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    res.header("ratelimit-limit", limit);
    res.header("ratelimit-remaining", Math.max(0, limit - used));
    res.header("ratelimit-reset", resetSeconds);
    if (used > limit) {
      res.header("retry-after", resetSeconds);
      throw new HttpError(429, "Too Many Requests", { code: "T4_ERR_RATE_LIMITED" });
    }
    return next();
  });
}
