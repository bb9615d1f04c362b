/** signToken / verifyToken: HS256 by default, RS256 and ES256 from env keys, and every way a token can be wrong. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { AuthErrorCode, signToken, verifyToken } from "../../runtime/index.js";

const SECRET = "t".repeat(20) + "0123456789abcdef0123456789";
const saved = { ...process.env };
beforeEach(() => {
  process.env.TINA4_SECRET = SECRET;
  delete process.env.TINA4_TOKEN_ALG;
  delete process.env.TINA4_TOKEN_PRIVATE_KEY;
  delete process.env.TINA4_TOKEN_PUBLIC_KEY;
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("HS256 with TINA4_SECRET", () => {
  it("round-trips the payload with iat and exp", async () => {
    const token = await signToken({ sub: "42", role: "admin" }, { expiresIn: 60 });
    const payload = await verifyToken(token);
    expect(payload).toMatchObject({ sub: "42", role: "admin" });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
  });

  it("accepts a time span string and defaults to TINA4_TOKEN_TTL", async () => {
    const spanned = await verifyToken(await signToken({ a: 1 }, { expiresIn: "2h" }));
    expect(spanned.exp! - spanned.iat!).toBe(7200);
    process.env.TINA4_TOKEN_TTL = "90";
    const defaulted = await verifyToken(await signToken({ a: 1 }));
    expect(defaulted.exp! - defaulted.iat!).toBe(90);
  });

  it("expired → TOKEN_EXPIRED", async () => {
    const key = new TextEncoder().encode(SECRET);
    const past = Math.floor(Date.now() / 1000) - 120;
    const token = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(past - 60).setExpirationTime(past).sign(key);
    await expect(verifyToken(token)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_EXPIRED });
  });

  it("tampered payload or signature → TOKEN_INVALID", async () => {
    const token = await signToken({ sub: "1", role: "user" });
    const [header, , signature] = token.split(".");
    const forged = `${header}.${b64({ sub: "1", role: "admin", exp: Math.floor(Date.now() / 1000) + 60 })}.${signature}`;
    await expect(verifyToken(forged)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
    const flipped = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    await expect(verifyToken(flipped)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it('alg "none" (unsigned) → TOKEN_INVALID', async () => {
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "1", exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    await expect(verifyToken(unsigned)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("signed with another key → TOKEN_INVALID", async () => {
    const other = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(40)));
    await expect(verifyToken(other)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
    // and a token from before a secret rotation stops working, even one verified (and remembered) just before
    const before = await signToken({ sub: "1" });
    expect(await verifyToken(before)).toMatchObject({ sub: "1" });
    process.env.TINA4_SECRET = "r".repeat(48);
    await expect(verifyToken(before)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("a remembered (already verified) token still expires on time", async () => {
    const token = await signToken({ sub: "1" }, { expiresIn: 60 });
    expect(await verifyToken(token)).toMatchObject({ sub: "1" });
    vi.useFakeTimers({ now: Date.now() + 120_000, toFake: ["Date"] });
    try {
      await expect(verifyToken(token)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_EXPIRED });
    } finally {
      vi.useRealTimers();
    }
  });

  it("garbage, empty, huge and non-string input → TOKEN_INVALID, never another error", async () => {
    for (const bad of ["", "abc", "a.b", "a.b.c.d", "%%%.%%%.%%%", "x".repeat(10_000), 42, null]) {
      await expect(verifyToken(bad as string)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
    }
  });

  it("refuses payloads that are not objects and non-positive lifetimes", async () => {
    await expect(signToken("x" as unknown as Record<string, unknown>)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_PAYLOAD });
    await expect(signToken({}, { expiresIn: 0 })).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_PAYLOAD });
    // a zero span as text too: it signed a token expiring as issued, accepted for the 5 s clock tolerance
    for (const zero of ["0s", "0m", "0.0h", " 00 d"]) {
      await expect(signToken({}, { expiresIn: zero }), zero).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_PAYLOAD, message: `signToken: expiresIn must be a positive time span, got "${zero}"` });
    }
    expect((await verifyToken(await signToken({}, { expiresIn: "0.5h" }))).exp).toBeGreaterThan(Date.now() / 1000 + 1700);
  });

  it("error messages never contain the secret or the token", async () => {
    const token = await signToken({ sub: "1" });
    const error = await verifyToken(token.slice(0, -3) + "xyz").catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain(SECRET);
    expect(String((error as Error).message)).not.toContain(token.slice(0, 20));
  });
});

describe.each([
  ["RS256", () => generateKeyPairSync("rsa", { modulusLength: 2048 })],
  ["ES256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
] as const)("%s with keys from the environment", (alg, makeKeys) => {
  const keys = makeKeys();
  const privatePem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();

  it("signs with the private key, verifies with the public key (one-line \\n-escaped PEM works)", async () => {
    process.env.TINA4_TOKEN_ALG = alg;
    process.env.TINA4_TOKEN_PRIVATE_KEY = privatePem.replace(/\n/g, "\\n");
    const token = await signToken({ sub: "7" });
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).alg).toBe(alg);
    delete process.env.TINA4_TOKEN_PRIVATE_KEY;
    process.env.TINA4_TOKEN_PUBLIC_KEY = publicPem;
    expect(await verifyToken(token)).toMatchObject({ sub: "7" });
    await expect(signToken({ sub: "7" })).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_CONFIG });
  });

  it("refuses an HS256 token made with the public key as the HMAC secret (algorithm confusion) and an HS256 token made with TINA4_SECRET", async () => {
    process.env.TINA4_TOKEN_ALG = alg;
    process.env.TINA4_TOKEN_PUBLIC_KEY = publicPem;
    const confused = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(publicPem));
    await expect(verifyToken(confused)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
    const hs = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
    await expect(verifyToken(hs)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });
});

describe("configuration errors", () => {
  it("an unknown algorithm, missing or unreadable keys → TOKEN_CONFIG without the key material in the message", async () => {
    process.env.TINA4_TOKEN_ALG = "HS512";
    await expect(signToken({})).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_CONFIG });
    process.env.TINA4_TOKEN_ALG = "RS256";
    await expect(verifyToken("a.b.c")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_CONFIG });
    process.env.TINA4_TOKEN_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nNOTAKEYsecretmaterial\n-----END PRIVATE KEY-----";
    const error = (await signToken({}).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe(AuthErrorCode.TOKEN_CONFIG);
    expect(error.message).not.toContain("NOTAKEYsecretmaterial");
  });
});
