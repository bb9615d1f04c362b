/**
 * The session cookie's value: `<id>.<signature>`, both base64url. The id is 32 random bytes;
 * the signature is HMAC-SHA256 of the id under a key derived from TINA4_SECRET. A value that
 * is too long, malformed or wrongly signed is ignored (the request simply has no session).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { cookieKey } from "../auth/secret.js";

const ID = /^[A-Za-z0-9_-]{43}$/;
const VALUE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

function sign(id: string): Buffer {
  return createHmac("sha256", cookieKey()).update(id).digest();
}

export function signSessionId(id: string): string {
  if (!ID.test(id)) throw new TypeError("not a session id");
  return `${id}.${sign(id).toString("base64url")}`;
}

/** The session id in a signed cookie value, or null (never throws: any input is someone's cookie). */
export function verifySessionCookie(value: string | undefined): string | null {
  if (typeof value !== "string" || value.length !== 87) return null;
  const match = VALUE.exec(value);
  if (!match) return null;
  const given = Buffer.from(match[2]!, "base64url");
  const expected = sign(match[1]!);
  return given.length === expected.length && timingSafeEqual(given, expected) ? match[1]! : null;
}
