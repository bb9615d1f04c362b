/**
 * rateLimit() across real processes: TINA4_RATE_LIMIT=3, two `tina4 serve --production
 * --workers 2` instances on one Redis (and Valkey). One client's requests, each on a new
 * connection and alternating between the instances: the first 3 pass, the 4th and every later
 * one gets 429, whichever of the 4 workers answers. Before the counts moved into the cache
 * backend each worker counted alone, so 4 workers let 12 through.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl, type ServiceName } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";

let app: string;

beforeAll(() => {
  app = join(tempDir(), "limited-app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  // every response names the worker that answered, 429s included
  writeFileSync(join(app, "src", "app.ts"), 'import { use } from "tina4";\nuse(async (_req, res, next) => {\n  res.header("x-worker", String(process.pid));\n  await next();\n});\n');
}, 30_000);

const shared: Array<[ServiceName, string]> = [["REDIS", "redis"], ["VALKEY", "valkey"]];

describe.each(shared)("TINA4_RATE_LIMIT=3 across 2 instances × 2 workers on %s", (service, backend) => {
  const url = serviceUrl(service);
  // Skipped only locally when this server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  it.skipIf(!url)("the 4th request from one client gets 429, whichever worker answers", async () => {
    // a fresh limiter name per run, so counts left in the server by another run never meet this one
    const route = join(app, "src", "routes", `limited-${backend}`);
    mkdirSync(route, { recursive: true });
    writeFileSync(join(route, "get.ts"), `import { rateLimit } from "tina4";\nexport const middleware = [rateLimit({ name: "e2e-${randomUUID().slice(0, 8)}" })];\nexport default () => ({ pid: process.pid });\n`);
    const env = {
      TINA4_CACHE_BACKEND: backend,
      TINA4_CACHE_URL: url!,
      TINA4_RATE_LIMIT: "3",
      TINA4_RATE_WINDOW: "3600", // an hour-long window: the test never straddles two
      TINA4_CACHE_DIR: tempDir("tina4-cache-dir-"),
      TINA4_LOG_LEVEL: "error",
    };
    const a = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    const b = await startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env);
    try {
      const answers: Array<{ instance: string; status: number; worker: string }> = [];
      for (let i = 0; i < 16; i++) {
        const instance = i % 2 === 0 ? a : b;
        const res = await freshRequest(`${instance.url}/limited-${backend}`);
        answers.push({ instance: instance.url, status: res.status, worker: String(res.headers["x-worker"]) });
        if (res.status === 429) expect(res.json()).toMatchObject({ error: "Too Many Requests" });
      }
      expect(answers.map((x) => x.status)).toEqual([200, 200, 200, ...Array<number>(13).fill(429)]);
      const refusedBy = new Set(answers.filter((x) => x.status === 429).map((x) => x.worker));
      const everyone = new Set(answers.map((x) => x.worker));
      // the 13 refusals came from at least 3 of the 4 workers, on both instances
      expect(refusedBy.size, `workers seen: ${[...everyone].join(", ")}`).toBeGreaterThanOrEqual(3);
      expect(new Set(answers.filter((x) => x.status === 429).map((x) => x.instance)).size).toBe(2);
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    }
  }, 90_000);
});
