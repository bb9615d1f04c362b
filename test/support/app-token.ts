/** A Bearer token for an app made by `tina4 init`: HS256 under the TINA4_SECRET its .env holds (what signToken does inside the app). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";

export function appSecret(appDir: string): string {
  const secret = /^TINA4_SECRET=(\S+)$/m.exec(readFileSync(join(appDir, ".env"), "utf8"))?.[1];
  if (!secret) throw new Error(`${appDir}/.env has no TINA4_SECRET`);
  return secret;
}

export async function appToken(appDir: string, payload: Record<string, unknown> = { sub: "test-user" }): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(appSecret(appDir)));
}
