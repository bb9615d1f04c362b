/**
 * TINA4_SECRET: the one secret that signs session cookies and (HS256) tokens. Production
 * refuses to run without it; dev without it warns once and uses a random per-process secret
 * (sessions and tokens then end with the process). Read at call time, so a `.env` loaded at
 * startup and tests that change the variable are honoured.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { warnOnce } from "../log.js";
import { AuthError, AuthErrorCode } from "./errors.js";
import { setting } from "../config/settings.js";

/** Characters; `tina4 init` writes 64 hex characters (256 bits). */
export const MIN_SECRET_LENGTH = 32;

let devSecret: string | undefined;
let derived: { secret: string; cookieKey: Buffer } | undefined;

function isProduction(): boolean {
  return process.env.NODE_ENV === "production";
}

/** Why the configured secret cannot be used, or null when it can. Never includes the secret. */
export function secretProblem(value: string | undefined = setting("TINA4_SECRET")): { code: AuthErrorCode; message: string } | null {
  if (value === undefined || value === "") {
    return { code: AuthErrorCode.NO_SECRET, message: "TINA4_SECRET is not set: it signs session cookies and tokens. Add one to .env (tina4 init writes one; or: node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\")" };
  }
  if (value.length < MIN_SECRET_LENGTH) {
    return { code: AuthErrorCode.WEAK_SECRET, message: `TINA4_SECRET is too short (${value.length} characters): use at least ${MIN_SECRET_LENGTH} random characters` };
  }
  return null;
}

/** A new random secret (64 hex characters), as `tina4 init` writes it. */
export function generateSecret(): string {
  return randomBytes(32).toString("hex");
}

/**
 * The secret in force. Production: TINA4_SECRET or AuthError. Dev: TINA4_SECRET when usable,
 * else a warning (once) and a random secret for this process.
 */
export function authSecret(): string {
  const configured = setting("TINA4_SECRET");
  const problem = secretProblem(configured);
  if (problem === null) return configured!;
  if (isProduction()) throw new AuthError(problem.code, problem.message);
  warnOnce("tina4-secret", `${problem.message}. Using a random secret for this process: sessions and tokens end when it stops.`);
  return (devSecret ??= generateSecret());
}

/**
 * The key that signs session cookies: derived from the secret (HKDF), so a cookie signature
 * can never be replayed as a token signature or the other way round.
 */
export function cookieKey(): Buffer {
  const secret = authSecret();
  if (derived?.secret !== secret) {
    derived = { secret, cookieKey: Buffer.from(hkdfSync("sha256", secret, "tina4", "session cookie v1", 32)) };
  }
  return derived.cookieKey;
}
