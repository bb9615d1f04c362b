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
 * The request a handler sees. Cheap fields are set up front; cookies and the client IP
 * are computed on first access because most handlers never read them.
 */
export class Request<P extends Params = Params> {
  readonly raw: IncomingMessage;
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  params: P;
  query: Record<string, QueryValue>;
  body: unknown = undefined;
  files: UploadedFile[] = [];
  /** The matched route pattern (`/users/{id:int}`), or null when no route matched. */
  route: string | null = null;
  /** Free-form per-request storage for middleware (user, session, timings...). */
  readonly locals: Record<string, unknown> = {};
  /** The authenticated user: a valid `Authorization: Bearer` token's payload, or the session's "user"; null when neither. */
  user: AuthUser | null = null;
  /** How `user` was established (null when there is none). */
  auth: AuthMethod | null = null;
  /** The visitor's session, on routes that session() runs for (`use(session())` or TINA4_SESSION=true). */
  session: SessionApi | undefined = undefined;
  /** @internal */
  [kEndpoint]: ((req: Request, res: Response) => Promise<void> | void) | undefined = undefined;
  private cookieCache: Record<string, string> | undefined;
  private ipCache: string | undefined;
  private readonly proxies: TrustedProxies;

  constructor(raw: IncomingMessage, path: string, search: string, requestId: string, proxies: TrustedProxies) {
    this.raw = raw;
    this.method = raw.method ?? "GET";
    this.url = raw.url ?? "/";
    this.path = path;
    this.headers = raw.headers;
    this.requestId = requestId;
    this.params = {} as P;
    this.query = search ? parseQuery(search) : (emptyQuery as Record<string, QueryValue>);
    this.proxies = proxies;
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

  /** The session's CSRF token, for forms (`_csrf` field) and the `X-CSRF-Token` header. Needs sessions. */
  csrfToken(): string {
    if (this.session === undefined) {
      throw new AuthError(AuthErrorCode.NO_SESSION, "req.csrfToken() needs sessions on this route: use(session()) or TINA4_SESSION=true");
    }
    return this.session.csrfToken();
  }

  /** Case-insensitive single header value. */
  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

const emptyQuery = Object.freeze(Object.create(null) as Record<string, QueryValue>);
