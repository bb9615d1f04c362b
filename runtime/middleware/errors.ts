import { codedError } from "../errors.js";

/** Every code raised by the middleware API and the built-in middleware. */
export const MiddlewareErrorCode = {
  /** A value given as middleware that is neither a (req, res, next) function nor a hook class. */
  INVALID: "T4_ERR_MIDDLEWARE_INVALID",
  /** next() called more than once by one middleware. */
  NEXT_TWICE: "T4_ERR_MIDDLEWARE_NEXT_TWICE",
  /** cors(): a preflight from an origin that is not allowed (HTTP 403). */
  CORS_ORIGIN: "T4_ERR_CORS_ORIGIN",
  /** rateLimit(): the client used up its budget (HTTP 429). */
  RATE_LIMITED: "T4_ERR_RATE_LIMITED",
  /** clearCache(path): a path that is not a request path ("/products/42", no query). */
  CACHE_PATH: "T4_ERR_RESPONSE_CACHE_PATH",
  /** compress(): an option out of range (threshold, levels, encodings). */
  COMPRESS_OPTIONS: "T4_ERR_COMPRESS_OPTIONS",
} as const;
export type MiddlewareErrorCode = (typeof MiddlewareErrorCode)[keyof typeof MiddlewareErrorCode];

/** Misuse of the middleware API: double next(), a value that is not middleware. */
export class MiddlewareError extends codedError<MiddlewareErrorCode>() {}
