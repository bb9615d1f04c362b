/**
 * The persistent DB query cache on Redis, through HTTP, while Redis is killed and restarted:
 * reads and writes keep answering 200 (the cache degrades to the database), cache hits
 * resume once Redis is back, and no read after the last write returns a stale value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateServer, freePort, serverInstalled } from "../cache/private-server.js";
import { makeApp, serve, type Served } from "../dev/support.js";
import { send, summary, traffic } from "./support/traffic.js";
import { skipUnlessAvailable } from "../support/services.js";
import { stressLog } from "./support/log.js";

const installed = serverInstalled("redis-server");
const skip = skipUnlessAvailable(installed, "db-cache outage: redis-server is not installed (apt-get install redis-server)");

interface Stats { hits: number; misses: number; mode: string; backend: string }

describe.skipIf(skip)("persistent DB cache: Redis killed and restarted under HTTP load", () => {
  let redis: PrivateServer;
  let served: Served;

  beforeAll(async () => {
    redis = new PrivateServer("redis", await freePort(56800));
    await redis.start();
    const dir = makeApp({
      "src/db.ts": [
        'import { Database } from "tina4";',
        "const g = globalThis as { stressDb?: Promise<Database> };",
        "export const db = (): Promise<Database> => (g.stressDb ??= (async () => {",
        "  const d = await Database.connect();",
        '  await d.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");',
        '  await d.execute("DELETE FROM items WHERE 1 = 1");',
        '  await d.insert("items", Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: "v0" })));',
        "  return d;",
        "})());",
        "",
      ].join("\n"),
      "src/routes/items/[id:int]/get.ts": [
        'import type { Request } from "tina4";',
        'import { db } from "../../../db";',
        'export default async (req: Request) => (await db()).fetchOne("SELECT id, name FROM items WHERE id = ?", [req.params.id]);',
        "",
      ].join("\n"),
      "src/routes/items/[id:int]/[name]/post.ts": [
        'import type { Request } from "tina4";',
        'import { db } from "../../../../db";',
        "export const secured = false; // the subject is the cache outage, not auth",
        'export default async (req: Request) => (await db()).update("items", { name: req.params.name }, { id: req.params.id });',
        "",
      ].join("\n"),
      "src/routes/stats/get.ts": 'import { db } from "../../db";\nexport default async () => (await db()).cacheStats();\n',
    });
    served = await serve(dir, [], {
      TINA4_DATABASE_URL: "sqlite:data/app.db",
      TINA4_DB_CACHE: "true",
      TINA4_DB_CACHE_BACKEND: "redis",
      TINA4_DB_CACHE_URL: `redis://127.0.0.1:${redis.port}`,
      TINA4_LOG_LEVEL: "error",
    });
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    await redis?.stop();
  });

  const stats = async (): Promise<Stats> => JSON.parse((await send(undefined, `${served.url}/stats`, 5000)).body) as Stats;

  it("0 failed requests through the outage; hits resume; the last write is what is read", async () => {
    const written = new Map<number, number>(); // id → highest version acknowledged
    // lane 0 writes now and then (ids 1..5, increasing versions: each write invalidates the cache), all lanes read ids 1..20
    const load = traffic(served.url, (lane, i) => (lane === 0 && i % 25 === 0 ? `/items/${((i / 25) % 5) + 1}/v${i + 1}` : `/items/${((lane * 7 + i) % 20) + 1}`), {
      lanes: 5,
      timeoutMs: 5000,
      maxMs: 40_000,
      method: (path) => (path.split("/").length === 4 ? "POST" : "GET"),
    });
    let hitsBeforeKill = 0;
    let hitsWhileDown = 0;
    let hitsResumed = 0;
    try {
      await load.next(300);
      const warm = await stats();
      expect(warm).toMatchObject({ mode: "persistent", backend: "redis" });
      expect(warm.hits).toBeGreaterThan(0);
      hitsBeforeKill = warm.hits;

      await redis.signal("SIGKILL");
      const downAt = (await stats()).hits;
      await Promise.all([load.next(300), new Promise((r) => setTimeout(r, 1500))]);
      hitsWhileDown = (await stats()).hits - downAt;

      await redis.start();
      const upAt = (await stats()).hits;
      // bounded wait for the client to reconnect and the cache to refill
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await stats()).hits < upAt + 50) await load.next(20);
      hitsResumed = (await stats()).hits - upAt;
    } finally {
      const samples = await load.stop();
      for (const s of samples) {
        const m = /^\/items\/(\d+)\/v(\d+)$/.exec(s.path);
        if (m && s.status === 200) written.set(Number(m[1]), Math.max(written.get(Number(m[1])) ?? 0, Number(m[2])));
      }
      stressLog(`[db-cache outage] ${JSON.stringify(summary(samples))}; hits before kill ${hitsBeforeKill}, while down ${hitsWhileDown}, after restart ${hitsResumed}`);
      expect(samples.filter((s) => s.status !== 200).map((s) => `${s.path} ${s.status} ${s.error ?? s.body.slice(0, 100)}`)).toEqual([]);
      expect(samples.length).toBeGreaterThan(600);
    }
    expect(hitsResumed).toBeGreaterThanOrEqual(50);
    // no stale read after the outage: every written row reads back its last acknowledged value
    for (const [id, version] of written) {
      const reply = await send(undefined, `${served.url}/items/${id}`, 5000);
      expect(JSON.parse(reply.body)).toEqual({ id, name: `v${version}` });
    }
  }, 60_000);
});
