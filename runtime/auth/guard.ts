/**
 * The secured-route check, run for every route after its middleware and before validation
 * (so 401 wins over 422): establishes `req.user` from a valid `Authorization: Bearer` token
 * or the session's "user", answers 401 on a secured route without one, and 403 to an unsafe
 * request that rides on a session cookie without the session's CSRF token. Tokens are read
 * from the Authorization header only, never from the query string.
 */
import { kSession, type Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { HttpError } from "../http/errors.js";
import { prefersHtml } from "../http/accepts.js";
import { AuthErrorCode } from "./errors.js";
import type { Endpoint } from "../middleware/compose.js";
import { MAX_TOKEN_LENGTH, verifyToken } from "./tokens.js";
import { setting } from "../config/settings.js";

/** When a route needs a user: always, never, or for unsafe methods only (an ANY route's default). */
export type SecuredMode = "always" | "never" | "unsafe";

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * A route's mode from its method, its `secured` setting and TINA4_SECURE_WRITES: POST, PUT,
 * PATCH and DELETE are secured unless opened; `secured = true` secures anything.
 */
export function securedMode(method: string, secured: boolean | undefined, secureWrites: boolean): SecuredMode {
  if (secured === true) return "always";
  if (secured === false || !secureWrites) return "never";
  if (method === "ANY") return "unsafe";
  return UNSAFE_METHODS.has(method) ? "always" : "never";
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

function unauthorized(res: Response, invalidToken: boolean): HttpError {
  res.header("www-authenticate", invalidToken ? 'Bearer error="invalid_token"' : "Bearer");
  return new HttpError(401, "Unauthorized", { code: AuthErrorCode.UNAUTHORIZED });
}

/** Resolves `req.user`; true when a Bearer token was sent and is not valid. */
async function authenticate(req: Request): Promise<boolean> {
  if (req.user !== null) {
    req.auth ??= "middleware";
    return false;
  }
  const header = req.headers.authorization;
  if (header !== undefined && header.length <= MAX_TOKEN_LENGTH + 16) {
    const token = BEARER.exec(header)?.[1];
    if (token !== undefined) {
      try {
        req.user = await verifyToken(token);
        req.auth = "bearer";
        return false;
      } catch {
        // an explicit Authorization that fails is not rescued by a session cookie
        return true;
      }
    }
  } else if (header !== undefined) {
    return true;
  }
  const user = req[kSession]?.get<unknown>("user");
  if (typeof user === "object" && user !== null && !Array.isArray(user)) {
    req.user = user as Request["user"];
    req.auth = "session";
  }
  return false;
}

function csrfCandidate(req: Request): unknown {
  const header = req.headers["x-csrf-token"];
  if (typeof header === "string") return header;
  const body = req.body;
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)._csrf : undefined;
}

/** What the client should do: a first fetch() from a page usually sends no token, and a token read before login stops working at login. */
function csrfHint(candidate: unknown): string {
  return candidate === undefined || candidate === ""
    ? "no CSRF token was sent: send this session's token as the X-CSRF-Token header or a _csrf field (GET /__csrf, req.csrfToken(), {{ csrf_field() }})"
    : "the CSRF token is not this session's (a new one is issued at login): get it again from GET /__csrf";
}

/**
 * TINA4_LOGIN_URL: a browser opening a secured page without a user is sent to the login page
 * with `next` = the page, as Laravel/AdonisJS auth middleware and Devise do. Only a page load
 * (GET/HEAD preferring HTML, as error pages decide it: http/accepts.ts) without any credentials:
 * API clients, XMLHttpRequests, writes and a rejected token keep their 401.
 */
function loginRedirect(req: Request, res: Response, invalidToken: boolean): boolean {
  if (invalidToken || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const login = setting("TINA4_LOGIN_URL");
  if (!login || !prefersHtml(req.headers) || req.path === login.split("?")[0]) return false;
  res.redirect(`${login}${login.includes("?") ? "&" : "?"}next=${encodeURIComponent(req.url)}`);
  return true;
}

/** False when the request was answered here (a redirect to the login page). */
function checks(req: Request, res: Response, needsUser: boolean, invalidToken: boolean, csrf: boolean): boolean {
  if (needsUser && req.user === null) {
    if (loginRedirect(req, res, invalidToken)) return false;
    throw unauthorized(res, invalidToken);
  }
  const session = req[kSession];
  // a stored session's cookie is sent by the browser on its own: unsafe requests must prove they come from our pages
  if (csrf && session !== undefined && !session.isNew && req.auth !== "bearer" && UNSAFE_METHODS.has(req.method)) {
    const candidate = csrfCandidate(req);
    if (!session.checkCsrfToken(candidate)) throw new HttpError(403, "Invalid CSRF token", { code: AuthErrorCode.CSRF, details: { hint: csrfHint(candidate) } });
  }
  return true;
}

/**
 * `req.user` for a request no route took (a page template), as a public route gets it: from a
 * Bearer token or the session's user; an invalid token leaves the request anonymous.
 */
export function identify(req: Request): Promise<void> | undefined {
  if (req.headers.authorization === undefined && req[kSession] === undefined) return undefined;
  return authenticate(req).then(() => undefined);
}

/**
 * Wraps a route's endpoint with the check for `mode`. `csrf` false (the route's own `csrf =
 * false`, fixed at registration: nothing in a request can turn it off) skips the CSRF check.
 */
export function guardEndpoint(endpoint: Endpoint, mode: SecuredMode, csrf = true): Endpoint {
  return function guarded(req, res) {
    const needsUser = mode === "always" || (mode === "unsafe" && UNSAFE_METHODS.has(req.method));
    // nothing to authenticate: no promise, no work (the common public request)
    if (req.headers.authorization === undefined && req[kSession] === undefined && req.user === null) {
      if (needsUser) {
        if (loginRedirect(req, res, false)) return undefined;
        throw unauthorized(res, false);
      }
      return endpoint(req, res);
    }
    return authenticate(req).then((invalidToken) => {
      if (!checks(req, res, needsUser, invalidToken, csrf)) return undefined;
      return endpoint(req, res);
    });
  };
}
