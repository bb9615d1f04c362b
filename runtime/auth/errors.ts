import { codedError } from "../errors.js";

/** Every auth error code; callers and tests branch on `err.code`. */
export const AuthErrorCode = {
  /** TINA4_SECRET is not set where one is required (production). */
  NO_SECRET: "T4_ERR_AUTH_NO_SECRET",
  /** TINA4_SECRET is shorter than MIN_SECRET_LENGTH. */
  WEAK_SECRET: "T4_ERR_AUTH_WEAK_SECRET",
  /** A token that is malformed, tampered with, signed with another key or algorithm, or not yet valid. */
  TOKEN_INVALID: "T4_ERR_AUTH_TOKEN_INVALID",
  /** A token past its `exp`. */
  TOKEN_EXPIRED: "T4_ERR_AUTH_TOKEN_EXPIRED",
  /** TINA4_TOKEN_ALG / the key variables are wrong (unknown algorithm, missing or unreadable key). */
  TOKEN_CONFIG: "T4_ERR_AUTH_TOKEN_CONFIG",
  /** A payload or option signToken cannot sign. */
  TOKEN_PAYLOAD: "T4_ERR_AUTH_TOKEN_PAYLOAD",
  /** hashPassword got something that is not a usable password (not a string, empty, too long). */
  PASSWORD_INPUT: "T4_ERR_AUTH_PASSWORD_INPUT",
  /** req.session or req.csrfToken() was read on a request without a session. */
  NO_SESSION: "T4_ERR_AUTH_NO_SESSION",
  /** A secured route without a user (HTTP 401, with WWW-Authenticate: Bearer). */
  UNAUTHORIZED: "T4_ERR_AUTH_UNAUTHORIZED",
  /** An unsafe request riding a stored session's cookie without the session's CSRF token (HTTP 403). */
  CSRF: "T4_ERR_AUTH_CSRF",
  /** The session store's server cannot be reached (HTTP 503; never an empty session). */
  SESSION_UNAVAILABLE: "T4_ERR_SESSION_UNAVAILABLE",
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** Errors of tina4's auth helpers. Messages never contain secrets, keys or tokens. */
export class AuthError extends codedError<AuthErrorCode>() {}
