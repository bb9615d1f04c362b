import { builtin, type MiddlewareFunction } from "./types.js";

export interface SecurityHeadersOptions {
  /** Content-Security-Policy value; false to omit. */
  contentSecurityPolicy?: string | false;
  /** Strict-Transport-Security max-age in seconds; sent only when set (HTTPS deployments). */
  hstsMaxAge?: number;
  frameOptions?: "DENY" | "SAMEORIGIN" | false;
  referrerPolicy?: string;
}

/** Conservative security headers; a header the route already set is left as the route set it. */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareFunction {
  const headers: Array<[string, string]> = [
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", options.referrerPolicy ?? "strict-origin-when-cross-origin"],
    ["cross-origin-opener-policy", "same-origin"],
    ["cross-origin-resource-policy", "same-origin"],
    ["x-dns-prefetch-control", "off"],
    ["x-permitted-cross-domain-policies", "none"],
  ];
  if (options.frameOptions !== false) headers.push(["x-frame-options", options.frameOptions ?? "DENY"]);
  const csp = options.contentSecurityPolicy ?? "default-src 'self'; base-uri 'self'; frame-ancestors 'none'; object-src 'none'";
  if (csp) headers.push(["content-security-policy", csp]);
  if (options.hstsMaxAge !== undefined) headers.push(["strict-transport-security", `max-age=${options.hstsMaxAge}; includeSubDomains`]);

  return builtin("securityHeaders", async function (_req, res, next) {
    try {
      await next();
    } finally {
      for (const [name, value] of headers) if (res.getHeader(name) === undefined) res.header(name, value);
    }
  });
}
