import { setting } from "../config/settings.js";
import { HttpError } from "../http/errors.js";
import { MiddlewareErrorCode } from "./errors.js";
import { builtin, type MiddlewareFunction } from "./types.js";

export interface CorsOptions {
  /** Allowed origins; `"*"` allows any. Default: TINA4_CORS_ORIGINS, else none (deny). */
  origins?: string[];
  methods?: string[];
  headers?: string[];
  exposeHeaders?: string[];
  credentials?: boolean;
  /** Preflight cache lifetime in seconds. */
  maxAge?: number;
}

/**
 * CORS, deny by default: a cross-origin browser request only gets CORS headers when its
 * Origin is listed. A preflight from an unlisted origin is refused with 403 JSON; a simple
 * request from one proceeds without CORS headers, so the browser withholds the response.
 */
export function cors(options: CorsOptions = {}): MiddlewareFunction {
  const origins = new Set(options.origins ?? setting("TINA4_CORS_ORIGINS"));
  const any = origins.has("*");
  const methods = (options.methods ?? ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]).join(", ");
  const allowHeaders = options.headers?.join(", ");
  const expose = options.exposeHeaders?.join(", ");
  const maxAge = String(options.maxAge ?? 600);
  const credentials = options.credentials === true;
  if (any && credentials) throw new TypeError('cors(): credentials cannot be combined with origin "*"');

  return builtin("cors", async function (req, res, next) {
    const origin = req.headers.origin;
    res.header("vary", appendVary(res.getHeader("vary"), "Origin"));
    if (!origin) return next();
    const allowed = any || origins.has(origin);
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (!allowed) {
      if (preflight) throw new HttpError(403, "CORS origin not allowed", { code: MiddlewareErrorCode.CORS_ORIGIN });
      return next();
    }
    res.header("access-control-allow-origin", any ? "*" : origin);
    if (credentials) res.header("access-control-allow-credentials", "true");
    if (preflight) {
      res.header("access-control-allow-methods", methods);
      res.header("access-control-allow-headers", allowHeaders ?? req.headers["access-control-request-headers"] ?? "");
      res.header("access-control-max-age", maxAge);
      res.status(204);
      return;
    }
    if (expose) res.header("access-control-expose-headers", expose);
    return next();
  });
}

function appendVary(existing: unknown, name: string): string {
  const current = existing === undefined ? "" : String(existing);
  if (!current) return name;
  return current.split(",").some((v) => v.trim().toLowerCase() === name.toLowerCase()) ? current : `${current}, ${name}`;
}
