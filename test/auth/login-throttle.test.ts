/**
 * `tina4 generate auth`'s login throttling, against the generated app served over HTTP: failed
 * attempts count per (email, client IP) and a success clears them (it was 10 requests a minute
 * per IP for every login: an office behind one address locked itself out), plus a looser per-IP
 * ceiling on failures over all emails; 429 with Retry-After and a JSON message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { runCli, startServe, tempDir } from "../support/cli.js";

let served: Awaited<ReturnType<typeof startServe>>;
const password = "analytical-engine-1843";

beforeAll(async () => {
  const app = join(tempDir("tina4-login-throttle-"), "app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  const generated = runCli(["generate", "auth"], app);
  expect(generated.code, generated.stderr).toBe(0);
  const migrated = runCli(["migrate"], app);
  expect(migrated.code, migrated.stderr).toBe(0);
  served = await startServe(app, [], { TINA4_AUTH_MAX_ATTEMPTS: "3", TINA4_AUTH_IP_MAX_ATTEMPTS: "12" });
  for (const name of ["ada", "bob", "cy", "dee"]) expect((await login("/auth/register", `${name}@example.com`, password)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  served?.child.kill("SIGTERM");
  await served?.exited;
});

/** A new connection per request, as browsers and curl make them. */
function login(path: string, email: string, secret: string): Promise<Response> {
  return fetch(`${served.url}${path}`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: JSON.stringify({ email, password: secret }) });
}

describe("generated POST /auth/login throttling", () => {
  it("many successful logins from one address are never throttled (the office behind one IP)", async () => {
    for (let i = 0; i < 15; i++) expect((await login("/auth/login", "ada@example.com", password)).status, `login ${i + 1}`).toBe(200);
  });

  it("failures count per email and IP: past the limit 429 with Retry-After and a JSON message; another email still logs in", async () => {
    for (let i = 0; i < 3; i++) expect((await login("/auth/login", "bob@example.com", "guessing-123")).status).toBe(401);
    const refused = await login("/auth/login", "bob@example.com", "guessing-123");
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({
      error: "Too Many Requests",
      code: "T4_ERR_RATE_LIMITED",
      message: `Too many login attempts: try again in ${retryAfter} second${retryAfter === 1 ? "" : "s"}`,
      retryAfter,
    });
    // locked: the right password waits too; the email is matched as the login matches it (case, spaces)
    expect((await login("/auth/login", " BOB@example.com ", password)).status).toBe(429);
    expect((await login("/auth/login", "cy@example.com", password)).status).toBe(200);
  });

  it("a success clears the failures of that email and address", async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect((await login("/auth/login", "cy@example.com", "guessing-123")).status).toBe(401);
      expect((await login("/auth/login", "cy@example.com", password)).status, `round ${round + 1}`).toBe(200);
    }
  });

  it("parallel guesses cannot slip past the limit: at most 3 of 10 at once reach the password check", async () => {
    const statuses = await Promise.all(Array.from({ length: 10 }, () => login("/auth/login", "dee@example.com", "guessing-123").then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  // last: it locks this address out of every login for the rest of the window
  it("one address spraying many emails hits the per-IP ceiling (TINA4_AUTH_IP_MAX_ATTEMPTS), even for an email it never tried", async () => {
    // failures so far from this address: bob 3, cy 6, dee 3 = 12 (the ceiling) — one more email shows it
    const spray = await login("/auth/login", "eve-1@example.com", "guessing-123");
    expect(spray.status).toBe(429);
    expect(Number(spray.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await spray.json()) as { message: string }).message).toMatch(/^Too many login attempts: try again in \d+ seconds?$/);
    expect((await login("/auth/login", "ada@example.com", password)).status).toBe(429);
  });
});
