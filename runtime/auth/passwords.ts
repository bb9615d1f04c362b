/**
 * Password hashing with argon2id (@node-rs/argon2, prebuilt Node-API binaries; chosen over
 * node:crypto scrypt by measurement, see docs/decisions.md). The hash is the standard PHC
 * string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`: salt and parameters travel with it,
 * so the parameters can be raised later and old hashes still verify (`needsRehash` says when
 * to re-hash at the next login). Verification is constant-time in the library.
 */
import { setting } from "../config/settings.js";
import { AuthError, AuthErrorCode } from "./errors.js";

interface Argon2Module {
  hash(password: string, options: { algorithm: number; memoryCost: number; timeCost: number; parallelism: number }): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
}

/** Argon2id in @node-rs/argon2's Algorithm enum. */
const ARGON2ID = 2;
/** Longer inputs are refused: they are no one's password, and hashing them costs for nothing. */
export const MAX_PASSWORD_BYTES = 4096;

export interface PasswordParameters {
  /** Memory in KiB (TINA4_PASSWORD_MEMORY, 19456 = 19 MiB: OWASP's argon2id minimum). */
  memoryCost: number;
  /** Passes (TINA4_PASSWORD_TIME, 2). */
  timeCost: number;
  /** Lanes (TINA4_PASSWORD_PARALLELISM, 1). */
  parallelism: number;
}

export function passwordParameters(): PasswordParameters {
  return {
    memoryCost: setting("TINA4_PASSWORD_MEMORY"),
    timeCost: setting("TINA4_PASSWORD_TIME"),
    parallelism: setting("TINA4_PASSWORD_PARALLELISM"),
  };
}

let argon2: Promise<Argon2Module> | undefined;
function library(): Promise<Argon2Module> {
  return (argon2 ??= import("@node-rs/argon2") as Promise<Argon2Module>);
}

function checkInput(plain: unknown): string {
  if (typeof plain !== "string" || plain.length === 0) {
    throw new AuthError(AuthErrorCode.PASSWORD_INPUT, "a password must be a non-empty string");
  }
  if (Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) {
    throw new AuthError(AuthErrorCode.PASSWORD_INPUT, `a password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  return plain;
}

/** A salted argon2id hash of `plain` with the current parameters. */
export async function hashPassword(plain: string): Promise<string> {
  const password = checkInput(plain);
  const { memoryCost, timeCost, parallelism } = passwordParameters();
  return (await library()).hash(password, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism });
}

/**
 * True when `plain` matches `hash`. A malformed or foreign hash, an empty or oversized
 * password, or a non-string is simply `false`: a login form never turns into a 500.
 */
export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  if (typeof plain !== "string" || plain.length === 0 || Buffer.byteLength(plain) > MAX_PASSWORD_BYTES) return false;
  if (typeof hash !== "string" || parseHash(hash) === null) return false;
  try {
    return await (await library()).verify(hash, plain);
  } catch {
    return false;
  }
}

/** The parameters stored in an argon2id hash, or null when it is not one. */
export function parseHash(hash: string): PasswordParameters | null {
  const match = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/.exec(hash);
  if (!match) return null;
  return { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}

/**
 * True when `hash` was made with weaker parameters than today's (or is not an argon2id hash):
 * re-hash the password at the next successful login.
 */
export function needsRehash(hash: string): boolean {
  const stored = parseHash(hash);
  if (stored === null) return true;
  const current = passwordParameters();
  return stored.memoryCost < current.memoryCost || stored.timeCost < current.timeCost || stored.parallelism < current.parallelism;
}
