/**
 * Route middleware at a WebSocket upgrade (SPEC §12: a ws.ts file's `middleware` export, the
 * `middleware` option of `websocket()`, and a group's middleware, as for HTTP routes). It
 * runs after the origin and `secured` checks — `req.user` is known — and before the
 * handshake: reaching the end of the chain admits the socket; a middleware that answers
 * instead (a status ≥ 400, a body, `false` from a class hook) refuses the upgrade with that
 * answer, and one that throws refuses as an HTTP route would answer (an HttpError's status,
 * else 500). Global `use()` middleware never runs on upgrades (docs/realtime.md).
 */
import { ServerResponse, STATUS_CODES, validateHeaderName, validateHeaderValue } from "node:http";
import type { Request } from "../http/request.js";
import { createResponse, JSON_TYPE, type HeaderValue, type Response } from "../http/response.js";
import { renderError } from "../http/error-response.js";
import { compose } from "../middleware/compose.js";
import { middlewareName, toMiddlewareFunction } from "../middleware/class-runner.js";
import type { Middleware } from "../middleware/types.js";

/** Headers the handshake or the refusal writes itself (X-Request-ID is the request's, as on HTTP answers). */
const OWN_HEADERS = new Set(["x-request-id", "connection", "content-length", "content-type", "transfer-encoding", "upgrade", "sec-websocket-accept", "sec-websocket-protocol", "sec-websocket-extensions"]);

export type UpgradeVerdict =
  | { admitted: true; headers: string[] }
  | { admitted: false; status: number; headers: string[]; body: string | Buffer; contentType: string };

export interface UpgradeGate {
  /** Middleware names, for `tina4 routes`. */
  names: string[];
  run(req: Request): Promise<UpgradeVerdict>;
}

/** The gate of a route's middleware, or null without any. Invalid middleware throws now, at registration. */
export function upgradeGate(middleware: readonly Middleware[]): UpgradeGate | null {
  if (middleware.length === 0) return null;
  for (const item of middleware) toMiddlewareFunction(item);
  return {
    names: middleware.map(middlewareName),
    async run(req) {
      let admitted = false;
      const res = createResponse(new ServerResponse(req.raw), true, req);
      try {
        await compose(middleware, () => {
          admitted = true;
        })(req, res);
      } catch (error) {
        // as for HTTP routes: an HttpError keeps its status and the headers set (rateLimit's 429
        // with Retry-After); anything else is a logged 500 without details
        renderError(req, res, error, false);
        return refusalOf(res);
      }
      if (admitted && !res.ended && res.statusCode < 400) return { admitted: true, headers: headerLines(res.headers) };
      return refusalOf(res);
    },
  };
}

function refusalOf(res: Response): UpgradeVerdict {
  // a chain that stopped without answering refuses like a class hook returning false
  const status = res.statusCode >= 300 ? res.statusCode : 403;
  const payload = res.payload;
  if (payload.kind === "data") {
    const type = res.headers["content-type"];
    return { admitted: false, status, headers: headerLines(res.headers), body: payload.data, contentType: typeof type === "string" ? type : JSON_TYPE };
  }
  return { admitted: false, status, headers: headerLines(res.headers), body: JSON.stringify({ error: STATUS_CODES[status] ?? "Error" }), contentType: JSON_TYPE };
}

/** `name: value` lines of the middleware's headers, checked as node:http checks them (no header injection). */
function headerLines(headers: Record<string, HeaderValue>): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (OWN_HEADERS.has(name)) continue;
    validateHeaderName(name);
    for (const one of Array.isArray(value) ? value : [value]) {
      validateHeaderValue(name, String(one));
      lines.push(`${name}: ${one}`);
    }
  }
  return lines;
}
