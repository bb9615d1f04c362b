/**
 * A plain script (or a `node --test` file) using testClient() must end on its own after
 * `await client.close()`: close() releases what the app opened — the PostgreSQL pool of a route
 * file's `Database.connect()`, the Redis connection of the KV cache — as a graceful shutdown
 * does. vitest hides a leak (it kills its workers), so the script runs in a child `node`.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { initLinkedApp, runNodeScript } from "../support/script-app.js";
import { serviceUrl } from "../support/services.js";

const postgres = serviceUrl("POSTGRES");
const redis = serviceUrl("REDIS");

describe.skipIf(!postgres || !redis)("testClient().close() lets the process exit", () => {
  it("a script that requests a PostgreSQL route and a Redis-cache route, then closes, exits by itself with code 0", async () => {
    const app = initLinkedApp("tina4-tc-exit-");
    writeFileSync(join(app, "src", "routes", "db.ts"), [
      'import { get, Database, cacheGet, cacheSet } from "tina4";',
      "const db = await Database.connect();",
      'get("/db", async () => (await db.fetchOne("SELECT 41 + 1 AS answer")) ?? {});',
      'get("/cache", async () => { await cacheSet("tc-exit", 7); return { cached: await cacheGet("tc-exit") }; });',
      "",
    ].join("\n"));
    writeFileSync(join(app, "script.mjs"), [
      'import { testClient } from "tina4";',
      "const client = await testClient();",
      'console.log("db", (await client.get("/db")).text());',
      'console.log("cache", (await client.get("/cache")).text());',
      "await client.close();",
      'console.log("closed");',
      "",
    ].join("\n"));
    const result = await runNodeScript(app, "script.mjs", {
      TINA4_DATABASE_URL: postgres!,
      TINA4_CACHE_BACKEND: "redis",
      TINA4_CACHE_URL: redis!,
    }, 5_000);
    expect(result.output).toContain('db {"answer":42}');
    expect(result.output).toContain('cache {"cached":7}');
    expect(result.output).toContain("closed");
    expect(result.exitedInTime, `still running 5 s later:\n${result.output}`).toBe(true);
    expect(result.code, result.output).toBe(0);
  }, 60_000);
});
