/**
 * Sessions across real processes: two `tina4 serve --production --workers 2` instances share
 * Valkey (and Redis). A login on instance A gives a cookie that works on every worker of A and
 * of B; a logout on B makes A reject the cookie at once. Every request opens a new
 * connection, so the cluster spreads them over its workers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl, type ServiceName } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";
import { createClient } from "redis";

let app: string;

beforeAll(() => {
  app = join(tempDir(), "sessions-app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  expect(runCli(["generate", "auth"], app).code).toBe(0);
  expect(runCli(["migrate"], app).code).toBe(0);
  mkdirSync(join(app, "src", "routes", "whoami"), { recursive: true });
  writeFileSync(join(app, "src", "routes", "whoami", "get.ts"),
    'import type { Request } from "tina4";\nexport default (req: Request) => ({ pid: process.pid, user: (req.user?.email as string | undefined) ?? null, via: req.auth });\n');
}, 60_000);

const sessionCookie = (setCookies: string[]) => setCookies.find((c) => c.startsWith("tina4_session="))?.split(";")[0];

/** GETs /whoami on new connections until both workers of the instance answered (or 40 tries); returns what each pid said. */
async function askEveryWorker(base: string, cookie: string): Promise<Map<number, Array<string | null>>> {
  const seen = new Map<number, Array<string | null>>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const res = await freshRequest(`${base}/whoami`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const { pid, user } = res.json<{ pid: number; user: string | null }>();
    seen.set(pid, [...(seen.get(pid) ?? []), user]);
  }
  return seen;
}

const shared: Array<[ServiceName, string]> = [["VALKEY", "valkey"], ["REDIS", "redis"]];

describe.each(shared)("sessions across 2 instances × 2 production workers on %s", (service, backend) => {
  const url = serviceUrl(service);
  // Skipped only locally when this server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  it.skipIf(!url)("login on A works on every worker of A and B; logout on B is rejected on A", async () => {
    const env = {
      TINA4_CACHE_BACKEND: backend,
      TINA4_CACHE_URL: url!,
      TINA4_SESSION_BACKEND: backend, // init's .env says file (for dev); this run is about the server
      TINA4_SESSION: "true",
      TINA4_AUTH_RATE_LIMIT: "1000",
      TINA4_CACHE_DIR: tempDir("tina4-cache-dir-"), // a fallback to files could not fake sharing
      TINA4_LOG_LEVEL: "error",
    };
    const a = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    const b = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    try {
      const email = `u-${randomUUID().slice(0, 8)}@example.com`;
      const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect((await freshRequest(`${a.url}/auth/register`, json({ email, password: "correct-horse-42" }))).status).toBe(201);
      const login = await freshRequest(`${a.url}/auth/login`, json({ email, password: "correct-horse-42" }));
      expect(login.status).toBe(200);
      const cookie = sessionCookie(login.setCookies)!;
      expect(cookie).toMatch(/^tina4_session=/);
      // the session really lives in this server (not in a file both instances happen to share)
      const key = `tina4:session:${cookie.slice("tina4_session=".length).split(".")[0]}`;
      const server = createClient({ url: url! });
      await server.connect();

      expect(await server.exists(key)).toBe(1);
      for (const instance of [a, b]) {
        const answers = await askEveryWorker(instance.url, cookie);
        expect(answers.size, `both workers of ${instance.url} answered`).toBe(2);
        for (const users of answers.values()) expect(new Set(users)).toEqual(new Set([email]));
      }

      const csrf = (await freshRequest(`${b.url}/__csrf`, { headers: { cookie } })).json<{ token: string }>().token;
      const logout = await freshRequest(`${b.url}/auth/logout`, { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
      expect(logout.status).toBe(200);

      expect(await server.exists(key)).toBe(0);
      await server.close();
      const after = await askEveryWorker(a.url, cookie);
      expect(after.size).toBe(2);
      for (const users of after.values()) expect(new Set(users)).toEqual(new Set([null]));
      expect((await freshRequest(`${a.url}/auth/me`, { headers: { cookie } })).status).toBe(401);
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    }
  }, 90_000);
});
