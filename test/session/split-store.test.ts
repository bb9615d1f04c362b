/**
 * An app made by `tina4 init` keeps dev sessions on files (.env: TINA4_SESSION_BACKEND=file).
 * Moving only the cache to Redis for several machines leaves sessions on each machine's files:
 * production says so at the first session, and says nothing once sessions follow the cache
 * (which the control run checks by finding the session in Redis).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";

const redisUrl = serviceUrl("REDIS");
let app: string;

beforeAll(() => {
  app = join(tempDir(), "split-app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  expect(readFileSync(join(app, ".env"), "utf8")).toMatch(/^TINA4_SESSION_BACKEND=file$/m);
}, 60_000);

const WARNING = "sessions are on the file backend (TINA4_SESSION_BACKEND=file) while the cache is on redis";

// Skipped only locally when the Redis URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
describe.skipIf(!redisUrl)("production sessions while the cache is on Redis", () => {
  const base = { TINA4_CACHE_BACKEND: "redis", TINA4_CACHE_URL: redisUrl!, TINA4_SESSION: "true", TINA4_LOG_LEVEL: "warn",
    NODE_ENV: "production" /* what serve --production sets when unset; vitest's "test" would leak in */ };

  async function firstSession(env: Record<string, string>): Promise<{ output: string; sessionId: string }> {
    const server = await startServe(app, ["--production", "--workers", "1", "--host", "127.0.0.1"], env);
    try {
      const res = await freshRequest(`${server.url}/__csrf`);
      expect(res.status).toBe(200);
      const cookie = res.setCookies.find((c) => c.startsWith("tina4_session="));
      expect(cookie).toBeDefined();
      // production logs through a batched writer: give a warning line time to reach stdout
      for (let i = 0; i < 30 && !server.output().includes("sessions are on the"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      return { output: server.output(), sessionId: cookie!.slice("tina4_session=".length).split(".")[0]! };
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }

  it("with .env's TINA4_SESSION_BACKEND=file it warns that other instances will not see the sessions", async () => {
    const { output } = await firstSession(base);
    expect(output).toContain(WARNING);
    expect(output).toContain("Remove TINA4_SESSION_BACKEND");
  }, 60_000);

  it("with sessions following the cache it stores them in Redis and does not warn", async () => {
    const { output, sessionId } = await firstSession({ ...base, TINA4_SESSION_BACKEND: "redis" });
    expect(output).not.toContain("sessions are on the");
    const client = createClient({ url: redisUrl! });
    await client.connect();
    try {
      expect(await client.exists(`tina4:session:${sessionId}`)).toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);
});
