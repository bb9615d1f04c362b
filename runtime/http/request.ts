import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parseCookies } from "./cookies.js";
import { parseQuery, type QueryValue } from "./query.js";
import type { TrustedProxies } from "./client-ip.js";
import type { Response } from "./response.js";
import type { AuthMethod, AuthUser, SessionApi } from "../auth/types.js";
import { AuthError, AuthErrorCode } from "../auth/errors.js";
import { loggerFor, type Logger } from "../ops/logger.js";

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  data: Buffer;
}

export type Params = Record<string, string | number>;

/** Internal slot for the endpoint chosen by routing (declared so every request has one shape). */
export const kEndpoint = Symbol("tina4.endpoint");
/**
 * Internal slot for the session (undefined when no session() ran): what the framework reads,
 * since the public `req.session` throws when sessions are off.
 */
export const kSession = Symbol("tina4.session");

const NO_SESSION_HINT = "sessions are off on this route: turn them on with use(session()) (or on the route's middleware) or TINA4_SESSION=true";

/**
 * The request a handler sees. Cheap fields are set up front; cookies and the client IP
 * are computed on first access because most handlers never read them, and `params`,
 * `files` and `locals` are made on first access (most requests never touch them: three
 * objects less per request). Every field is assigned in the constructor, in one order, so
 * all requests share one shape (`declare` keeps TypeScript from emitting a class field
 * that would define each property a second time).
 */
export class Request<P extends Params = Params> {
  declare readonly raw: IncomingMessage;
  /** The method the request is routed as: a form POST's `_method` override (PUT, PATCH, DELETE) when it has one. */
  declare readonly method: string;
  /** The method on the wire: "POST" for an overridden form POST, else the same as `method`. */
  declare readonly originalMethod: string;
  declare readonly url: string;
  declare readonly path: string;
  declare readonly headers: IncomingHttpHeaders;
  declare readonly requestId: string;
  declare query: Record<string, QueryValue>;
  declare body: unknown;
  /** The matched route pattern (`/users/{id:int}`), or null when no route matched. */
  declare route: string | null;
  /** The authenticated user: a valid `Authorization: Bearer` token's payload, or the session's "user"; null when neither. */
  declare user: AuthUser | null;
  /** How `user` was established (null when there is none). */
  declare auth: AuthMethod | null;
  /** @internal */
  declare [kEndpoint]: ((req: Request, res: Response) => Promise<void> | void) | undefined;
  /** @internal see `session` */
  declare [kSession]: SessionApi | undefined;
  declare private paramsSlot: P | undefined;
  declare private filesSlot: UploadedFile[] | undefined;
  declare private localsSlot: Record<string, unknown> | undefined;
  declare private cookieCache: Record<string, string> | undefined;
  declare private ipCache: string | undefined;
  declare private readonly proxies: TrustedProxies;

  constructor(raw: IncomingMessage, path: string, search: string, requestId: string, proxies: TrustedProxies) {
    this.raw = raw;
    this.method = raw.method ?? "GET";
    this.originalMethod = this.method;
    this.url = raw.url ?? "/";
    this.path = path;
    this.headers = raw.headers;
    this.requestId = requestId;
    this.query = search ? parseQuery(search) : (emptyQuery as Record<string, QueryValue>);
    this.body = undefined;
    this.route = null;
    this.user = null;
    this.auth = null;
    this[kEndpoint] = undefined;
    this[kSession] = undefined;
    this.paramsSlot = undefined;
    this.filesSlot = undefined;
    this.localsSlot = undefined;
    this.cookieCache = undefined;
    this.ipCache = undefined;
    this.proxies = proxies;
  }

  /** Path parameters of the matched route (`{}` when it has none). */
  get params(): P {
    return (this.paramsSlot ??= {} as P);
  }

  set params(value: P) {
    this.paramsSlot = value;
  }

  /** Uploaded files of a multipart body (`[]` when none). */
  get files(): UploadedFile[] {
    return (this.filesSlot ??= []);
  }

  set files(value: UploadedFile[]) {
    this.filesSlot = value;
  }

  /** Free-form per-request storage for middleware (user, session, timings...). */
  get locals(): Record<string, unknown> {
    return (this.localsSlot ??= {});
  }

  /** The app logger with this request's id bound as `reqId` (docs/operations.md). */
  get log(): Logger {
    return loggerFor(this, this.requestId);
  }

  get cookies(): Record<string, string> {
    return (this.cookieCache ??= parseCookies(this.raw.headers.cookie));
  }

  get ip(): string {
    return (this.ipCache ??= this.proxies.resolve(this.raw.socket.remoteAddress, this.raw.headers["x-forwarded-for"]));
  }

  /**
   * The visitor's session, on routes that session() runs for (`use(session())` or
   * TINA4_SESSION=true). Elsewhere reading it throws an AuthError `T4_ERR_AUTH_NO_SESSION`
   * saying how to turn sessions on (`req.session!.get(…)` used to fail with "Cannot read
   * properties of undefined"); `req.hasSession` tells whether there is one. A getter on the
   * prototype: requests that never read it pay nothing.
   */
  get session(): SessionApi {
    const current = this[kSession];
    if (current === undefined) throw new AuthError(AuthErrorCode.NO_SESSION, `req.session: ${NO_SESSION_HINT}`);
    return current;
  }

  set session(value: SessionApi) {
    this[kSession] = value;
  }

  /** Whether a session() ran for this request (`req.session` is readable). */
  get hasSession(): boolean {
    return this[kSession] !== undefined;
  }

  /** The session's CSRF token, for forms (`_csrf` field) and the `X-CSRF-Token` header. Needs sessions. */
  csrfToken(): string {
    const current = this[kSession];
    if (current === undefined) throw new AuthError(AuthErrorCode.NO_SESSION, `req.csrfToken(): ${NO_SESSION_HINT}`);
    return current.csrfToken();
  }

  /** Case-insensitive single header value. */
  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

const emptyQuery = Object.freeze(Object.create(null) as Record<string, QueryValue>);
