/**
 * JSON Web Tokens through `jose`. HS256 with TINA4_SECRET by default; RS256 or ES256 with
 * PEM keys from the environment (TINA4_TOKEN_ALG, TINA4_TOKEN_PRIVATE_KEY for signing,
 * TINA4_TOKEN_PUBLIC_KEY for verifying — derived from the private key when only that is
 * set). Verification accepts exactly the configured algorithm, so `alg: none` and algorithm
 * confusion are refused; every failure is an AuthError (TOKEN_EXPIRED or TOKEN_INVALID).
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { setting } from "../config/settings.js";
import { authSecret } from "./secret.js";
import { AuthError, AuthErrorCode } from "./errors.js";
import type { TokenPayload } from "./types.js";

type Jose = typeof import("jose");
type Key = Awaited<ReturnType<Jose["importSPKI"]>> | Uint8Array;

export const TOKEN_ALGORITHMS = ["HS256", "RS256", "ES256"] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

export interface SignTokenOptions {
  /** Seconds, or a jose time span ("15m", "2h", "7d"). Default TINA4_TOKEN_TTL (3600). */
  expiresIn?: number | string;
  subject?: string;
  issuer?: string;
  audience?: string | string[];
}

export interface VerifyTokenOptions {
  issuer?: string;
  audience?: string | string[];
}

/** Tokens longer than this are refused unread (a JWT of a few claims is a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 8192;

let jose: Promise<Jose> | undefined;
function library(): Promise<Jose> {
  return (jose ??= import("jose"));
}

function algorithm(): TokenAlgorithm {
  const alg = setting("TINA4_TOKEN_ALG").trim().toUpperCase();
  if (!(TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new AuthError(AuthErrorCode.TOKEN_CONFIG, `TINA4_TOKEN_ALG must be one of ${TOKEN_ALGORITHMS.join(", ")}, got "${alg}"`);
  }
  return alg as TokenAlgorithm;
}

/** PEM from an env variable; `\n` escapes (one-line .env values) become newlines. */
function pem(name: "TINA4_TOKEN_PRIVATE_KEY" | "TINA4_TOKEN_PUBLIC_KEY"): string | undefined {
  const value = setting(name);
  return value ? value.replace(/\\n/g, "\n").trim() : undefined;
}

interface Keys {
  alg: TokenAlgorithm;
  source: string;
  sign: Key | null;
  verify: Key;
}
let cached: Keys | undefined;

async function keys(): Promise<Keys> {
  const alg = algorithm();
  if (alg === "HS256") {
    const secret = authSecret();
    const source = `HS256\n${secret}`;
    if (cached?.source !== source) {
      const key = new TextEncoder().encode(secret);
      cached = { alg, source, sign: key, verify: key };
    }
    return cached;
  }
  const privatePem = pem("TINA4_TOKEN_PRIVATE_KEY");
  const publicPem = pem("TINA4_TOKEN_PUBLIC_KEY");
  const source = `${alg}\n${privatePem ?? ""}\n${publicPem ?? ""}`;
  if (cached?.source === source) return cached;
  if (!privatePem && !publicPem) {
    throw new AuthError(AuthErrorCode.TOKEN_CONFIG, `TINA4_TOKEN_ALG=${alg} needs TINA4_TOKEN_PRIVATE_KEY (to sign) and/or TINA4_TOKEN_PUBLIC_KEY (to verify), as PEM`);
  }
  const { importPKCS8, importSPKI } = await library();
  try {
    const spki = publicPem ?? createPublicKey(createPrivateKey(privatePem!)).export({ type: "spki", format: "pem" }).toString();
    const pkcs8 = privatePem ? createPrivateKey(privatePem).export({ type: "pkcs8", format: "pem" }).toString() : null;
    cached = { alg, source, sign: pkcs8 ? await importPKCS8(pkcs8, alg) : null, verify: await importSPKI(spki, alg) };
  } catch (error) {
    // the key material itself never goes into the message
    throw new AuthError(AuthErrorCode.TOKEN_CONFIG, `TINA4_TOKEN_PRIVATE_KEY/TINA4_TOKEN_PUBLIC_KEY cannot be used for ${alg}: ${(error as Error).name}`, { cause: error });
  }
  return cached;
}

/** Signs `payload` (a JSON object of claims) as a JWT; `iat` and `exp` are set. */
export async function signToken(payload: TokenPayload, options: SignTokenOptions = {}): Promise<string> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new AuthError(AuthErrorCode.TOKEN_PAYLOAD, "signToken(payload): the payload must be a plain object of claims");
  }
  const { alg, sign } = await keys();
  if (sign === null) throw new AuthError(AuthErrorCode.TOKEN_CONFIG, `signing ${alg} tokens needs TINA4_TOKEN_PRIVATE_KEY`);
  const expiresIn = options.expiresIn ?? setting("TINA4_TOKEN_TTL");
  if (typeof expiresIn === "number" && !(Number.isFinite(expiresIn) && expiresIn > 0)) {
    throw new AuthError(AuthErrorCode.TOKEN_PAYLOAD, `signToken: expiresIn must be a positive number of seconds, got ${expiresIn}`);
  }
  // a zero span ("0s", "0.0h") signs a token that expires as it is issued (yet lives on in the clock tolerance)
  if (typeof expiresIn === "string" && /^\s*0+(?:\.0*)?\s*[a-z]/i.test(expiresIn)) {
    throw new AuthError(AuthErrorCode.TOKEN_PAYLOAD, `signToken: expiresIn must be a positive time span, got "${expiresIn}"`);
  }
  const { SignJWT } = await library();
  try {
    const jwt = new SignJWT({ ...payload }).setProtectedHeader({ alg, typ: "JWT" }).setIssuedAt();
    jwt.setExpirationTime(typeof expiresIn === "number" ? Math.floor(Date.now() / 1000) + Math.ceil(expiresIn) : `${expiresIn.trim()} from now`);
    if (options.subject !== undefined) jwt.setSubject(options.subject);
    if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
    if (options.audience !== undefined) jwt.setAudience(options.audience);
    return await jwt.sign(sign);
  } catch (error) {
    throw new AuthError(AuthErrorCode.TOKEN_PAYLOAD, `signToken: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Tokens verified lately (the exact token text → its payload), so a client sending the same
 * token on every request pays for one signature check, not one per request. An entry counts
 * only under the keys that verified it and only until the token's `exp`; bounded, oldest out.
 */
const verified = new Map<string, { source: string; payload: TokenPayload; until: number }>();
const VERIFIED_MAX = 1000;

function remembered(token: string, source: string): TokenPayload | undefined {
  const hit = verified.get(token);
  if (hit === undefined) return undefined;
  if (hit.source !== source || Date.now() >= hit.until) {
    verified.delete(token);
    return undefined;
  }
  return { ...hit.payload };
}

function remember(token: string, source: string, payload: TokenPayload): void {
  if (typeof payload.exp !== "number") return; // no expiry: verify every time
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  verified.set(token, { source, payload: { ...payload }, until: payload.exp * 1000 });
}

/**
 * The payload of a valid token. Rejects with AuthError TOKEN_EXPIRED past `exp`, and
 * TOKEN_INVALID for anything else wrong: malformed, tampered, another key, another algorithm
 * (`none` included), `nbf` in the future, wrong issuer or audience.
 */
export async function verifyToken(token: string, options: VerifyTokenOptions = {}): Promise<TokenPayload> {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw new AuthError(AuthErrorCode.TOKEN_INVALID, "invalid token");
  }
  const { alg, verify, source } = await keys();
  const plain = options.issuer === undefined && options.audience === undefined;
  const known = plain ? remembered(token, source) : undefined;
  if (known !== undefined) return known;
  const { jwtVerify, errors } = await library();
  try {
    const { payload } = await jwtVerify(token, verify, { algorithms: [alg], issuer: options.issuer, audience: options.audience, clockTolerance: 5 });
    if (plain) remember(token, source, payload as TokenPayload);
    return payload as TokenPayload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AuthError(AuthErrorCode.TOKEN_EXPIRED, "token expired", { cause: error });
    throw new AuthError(AuthErrorCode.TOKEN_INVALID, "invalid token", { cause: error });
  }
}
