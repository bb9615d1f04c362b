/**
 * Types shared by the request, the auth helpers and sessions. This file imports nothing, so
 * runtime/http can use them without an import cycle.
 */

/** The claims of a token: any JSON object (`sub`, `exp`, `iat` and your own). */
export interface TokenPayload {
  sub?: string;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

/** `req.user`: a verified token's payload, or the object a login stored in the session under "user". */
export type AuthUser = TokenPayload;

/** How `req.user` was established for this request. */
export type AuthMethod = "bearer" | "session" | "middleware";

/** `req.session`: server-side data of one visitor (see runtime/session). */
export interface SessionApi {
  /** The session id (never sent as is: the cookie carries it signed). Null until the session is saved. */
  readonly id: string | null;
  /** True when no stored session came with the request (no cookie, an unknown or expired one). */
  readonly isNew: boolean;
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** Every key and value (a copy). */
  all(): Record<string, unknown>;
  /** A new id for the same data (call it at login: session fixation); the old id stops working now. */
  regenerate(): Promise<void>;
  /** Deletes the session's data server-side now and expires the cookie. */
  destroy(): Promise<void>;
  /** Keeps `value` for the next request only ("Post published" after a redirect); JSON like `set`. */
  flash(key: string, value: unknown): void;
  /** What the previous request flashed under `key` (gone after this request). */
  flashed<T = unknown>(key: string): T | undefined;
  /** Everything the previous request flashed (templates: `flash`). */
  flashes(): Readonly<Record<string, unknown>>;
  /** The session's CSRF token (created on first use). */
  csrfToken(): string;
  /** True when `candidate` is this session's CSRF token (constant-time compare). */
  checkCsrfToken(candidate: unknown): boolean;
}
