/**
 * Who opens a WebSocket. Browsers cannot set headers on a WebSocket, so besides
 * `Authorization: Bearer <jwt>` the upgrade accepts the token as the subprotocol pair
 * `bearer, <jwt>` (the server agrees to "bearer", never echoing the token) or as `?token=`
 * (query strings end up in access logs: prefer the others). Without a token, a signed
 * session cookie's "user" counts, as for HTTP routes. A token that is sent and invalid is
 * never rescued by the cookie.
 */
import { ServerResponse } from "node:http";
import { kSession, type Request } from "../http/request.js";
import { createResponse } from "../http/response.js";
import { MAX_TOKEN_LENGTH, verifyToken } from "../auth/tokens.js";
import { session, SESSION_COOKIE } from "../session/middleware.js";
import type { MiddlewareFunction } from "../middleware/types.js";

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The offered subprotocols, in order. */
export function offeredProtocols(req: Request): string[] {
  const header = req.headers["sec-websocket-protocol"];
  return typeof header === "string" ? header.split(",").map((p) => p.trim()).filter(Boolean) : [];
}

/** The token of a `bearer, <jwt>` subprotocol pair, if offered. */
export function protocolToken(protocols: string[]): string | undefined {
  const at = protocols.findIndex((p) => p.toLowerCase() === "bearer");
  return at >= 0 ? protocols[at + 1] : undefined;
}

function tokenOf(req: Request): string | null | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) return header.length <= MAX_TOKEN_LENGTH + 16 ? (BEARER.exec(header)?.[1] ?? null) : null;
  const fromProtocol = protocolToken(offeredProtocols(req));
  if (fromProtocol !== undefined) return fromProtocol;
  const query = req.query.token;
  if (typeof query === "string") return query;
  return Array.isArray(query) ? null : undefined;
}

let sessions: MiddlewareFunction | null = null;

/** The session id whose "user" an upgrade was authenticated by: its socket closes when that session ends. */
export const upgradeSessions = new WeakMap<Request, string>();

/**
 * Sets `req.user` (and `req.auth`) from a token or the session cookie. Resolves "invalid"
 * when a token was sent and does not verify (or an Authorization header is not a Bearer).
 */
export async function authenticateUpgrade(req: Request): Promise<"ok" | "invalid"> {
  const token = tokenOf(req);
  if (token === null) return "invalid";
  if (token !== undefined) {
    try {
      req.user = await verifyToken(token);
      req.auth = "bearer";
      return "ok";
    } catch {
      return "invalid";
    }
  }
  if (req.cookies[SESSION_COOKIE] === undefined) return "ok";
  // the same session() the routes use (store, TTL, sliding expiry), on a response never sent
  sessions ??= session();
  await sessions(req, createResponse(new ServerResponse(req.raw), false, req), async () => {
    const user = req[kSession]?.get<unknown>("user");
    if (typeof user === "object" && user !== null && !Array.isArray(user)) {
      req.user = user as Request["user"];
      req.auth = "session";
      const id = req[kSession]?.id;
      if (id) upgradeSessions.set(req, id);
    }
  });
  return "ok";
}
