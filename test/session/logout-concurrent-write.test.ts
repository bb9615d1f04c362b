/**
 * A logout is final even while another request of the same session is still running: two
 * `tina4 serve --production --workers 2` instances on one Redis; a slow request on B loaded the
 * logged-in session and writes to it at its end; meanwhile the user logs out on A. B's late write
 * must not bring the session back (before: it stored the old record again under the old id and
 * sent its cookie back, so the user was logged in again on every instance).
 * Every request opens a new connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";

const redis = serviceUrl("REDIS");
let app: string;
let gates: string;
const started: Array<Awaited<ReturnType<typeof startServe>>> = [];

function route(path: string, source: string): void {
  mkdirSync(join(app, "src", "routes", ...path.split("/").slice(0, -1)), { recursive: true });
  writeFileSync(join(app, "src", "routes", ...path.split("/")), source);
}

beforeAll(() => {
  app = join(tempDir(), "logout-race-app");
  gates = tempDir("tina4-gates-");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  expect(runCli(["generate", "auth"], app).code).toBe(0);
  expect(runCli(["migrate"], app).code).toBe(0);
  route("whoami/get.ts", 'import type { Request } from "tina4";\nexport default (req: Request) => ({ user: (req.user?.email as string | undefined) ?? null });\n');
  // a slow page that remembers something in the session when it ends; it says when it has
  // started and waits until the test opens its gate (a file), so the order is certain
  route("slow/[gate]/get.ts", `import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Request } from "tina4";
export default async (req: Request<{ gate: string }>) => {
  const gate = join(${JSON.stringify(gates)}, req.params.gate);
  writeFileSync(gate + ".started", "");
  while (!existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 10));
  req.session.set("lastSeen", Date.now());
  return { user: (req.user?.email as string | undefined) ?? null };
};
`);
}, 60_000);

afterAll(async () => {
  for (const server of started) server.child.kill("SIGTERM");
  await Promise.all(started.map((server) => server.exited));
});

const sessionCookie = (setCookies: string[]) => setCookies.find((c) => c.startsWith("tina4_session="));
const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function waitFor(path: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!redis)("logout on A while a request of the same session is running on B (redis)", () => {
  it("B's write at the end of its request does not log the user in again", async () => {
    const env = {
      TINA4_CACHE_BACKEND: "redis",
      TINA4_CACHE_URL: redis!,
      TINA4_SESSION_BACKEND: "redis", // init's .env says file (for dev)
      TINA4_SESSION: "true",
      TINA4_SESSION_SECURE: "false",
      TINA4_AUTH_RATE_LIMIT: "1000",
      TINA4_LOG_LEVEL: "error",
    };
    const a = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    started.push(a);
    const b = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    started.push(b);

    const email = `u-${randomUUID().slice(0, 8)}@example.com`;
    expect((await freshRequest(`${a.url}/auth/register`, json({ email, password: "correct-horse-42" }))).status).toBe(201);
    const login = await freshRequest(`${a.url}/auth/login`, json({ email, password: "correct-horse-42" }));
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login.setCookies)!.split(";")[0]!;
    expect((await freshRequest(`${b.url}/whoami`, { headers: { cookie } })).json()).toEqual({ user: email });

    const gate = randomUUID();
    const slow = freshRequest(`${b.url}/slow/${gate}`, { headers: { cookie } });
    await waitFor(join(gates, `${gate}.started`));

    const csrf = (await freshRequest(`${a.url}/__csrf`, { headers: { cookie } })).json<{ token: string }>().token;
    expect((await freshRequest(`${a.url}/auth/logout`, json({}, { cookie, "x-csrf-token": csrf }))).status).toBe(200);
    expect((await freshRequest(`${a.url}/whoami`, { headers: { cookie } })).json()).toEqual({ user: null });

    writeFileSync(join(gates, gate), "");
    const late = await slow;
    expect(late.status).toBe(200);
    expect(late.json()).toEqual({ user: email }); // it began logged in: its own answer is not the point
    // ...but it must not hand the browser the ended session's cookie again
    const resent = sessionCookie(late.setCookies);
    if (resent !== undefined) expect(resent.split(";")[0]).not.toBe(cookie);

    // the session stays ended on every instance, and is gone from the server
    for (const base of [a.url, b.url, a.url, b.url]) {
      expect((await freshRequest(`${base}/whoami`, { headers: { cookie } })).json(), base).toEqual({ user: null });
      expect((await freshRequest(`${base}/auth/me`, { headers: { cookie } })).status, base).toBe(401);
    }
    const server = createClient({ url: redis! });
    await server.connect();
    try {
      expect(await server.exists(`tina4:session:${cookie.slice("tina4_session=".length).split(".")[0]}`)).toBe(0);
    } finally {
      await server.close();
    }
  }, 90_000);
});
