/** hashPassword / verifyPassword / needsRehash (argon2id, parameters in the PHC string). */
import { afterEach, describe, expect, it } from "vitest";
import { AuthErrorCode, hashPassword, needsRehash, verifyPassword } from "../../runtime/index.js";

afterEach(() => {
  delete process.env.TINA4_PASSWORD_MEMORY;
  delete process.env.TINA4_PASSWORD_TIME;
});

describe("passwords", () => {
  it("hashes with argon2id, salted (two hashes of one password differ), parameters in the string", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
  });

  it("verifies the right password only", async () => {
    const hash = await hashPassword("s3cret-Passw0rd");
    expect(await verifyPassword("s3cret-Passw0rd", hash)).toBe(true);
    expect(await verifyPassword("s3cret-passw0rd", hash)).toBe(false);
    expect(await verifyPassword("s3cret-Passw0rd ", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("a malformed, foreign or missing hash is false, never an exception", async () => {
    for (const hash of ["", "plain", "$2b$10$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=1,t=1,p=1$AAAA$BBBB", undefined, null, 5]) {
      expect(await verifyPassword("x", hash as string)).toBe(false);
    }
    expect(await verifyPassword(undefined as unknown as string, await hashPassword("x"))).toBe(false);
    expect(await verifyPassword("y".repeat(5000), await hashPassword("x"))).toBe(false);
  });

  it("refuses to hash an empty, non-string or oversized password", async () => {
    await expect(hashPassword("")).rejects.toMatchObject({ code: AuthErrorCode.PASSWORD_INPUT });
    await expect(hashPassword(12 as unknown as string)).rejects.toMatchObject({ code: AuthErrorCode.PASSWORD_INPUT });
    await expect(hashPassword("x".repeat(5000))).rejects.toMatchObject({ code: AuthErrorCode.PASSWORD_INPUT });
  });

  it("needsRehash: true once the parameters are raised, and for non-argon2id hashes; old hashes still verify", async () => {
    const old = await hashPassword("pw");
    expect(needsRehash(old)).toBe(false);
    process.env.TINA4_PASSWORD_MEMORY = "32768";
    process.env.TINA4_PASSWORD_TIME = "3";
    expect(needsRehash(old)).toBe(true);
    const fresh = await hashPassword("pw");
    expect(fresh).toMatch(/m=32768,t=3,p=1/);
    expect(needsRehash(fresh)).toBe(false);
    expect(await verifyPassword("pw", old)).toBe(true);
    expect(needsRehash("$2b$10$whatever")).toBe(true);
  });
});
