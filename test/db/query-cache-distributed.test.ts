/**
 * The DB query cache across processes: two `tina4 serve` instances against one database and
 * one Redis (SQLite file and PostgreSQL), a third instance on another PostgreSQL database
 * sharing the Redis, and the request scope seen through HTTP. Real servers only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { DDL, uniqueName } from "./helpers.js";

let appDir: string;
const redisUrl = serviceUrl("REDIS");
const dataDir = mkdtempSync(join(tmpdir(), "t4-qcd-"));
const table = uniqueName("qcd");

function route(path: string, source: string): void {
  mkdirSync(join(appDir, "src", "routes", ...path.split("/").slice(0, -1)), { recursive: true });
  writeFileSync(join(appDir, "src", "routes", ...path.split("/")), source);
}

beforeAll(() => {
  appDir = join(tempDir(), "qcache");
  expect(runCli(["init", appDir, "--yes"], process.cwd()).code).toBe(0);
  // one Database per process, whatever the bundling of route files
  writeFileSync(join(appDir, "src", "db.ts"), [
    'import { Database } from "tina4";',
    "const g = globalThis as { qcDb?: Promise<Database> };",
    "export const db = (): Promise<Database> => (g.qcDb ??= Database.connect());",
    "export const table = process.env.QC_TABLE!;",
    "",
  ].join("\n"));
  // GET /items/1 → the row, whether this read was a cache hit, and the stats
  route("items/[id]/get.ts", [
    'import type { Request } from "tina4";',
    'import { db, table } from "../../../db";',
    "export default async (req: Request) => {",
    "  const d = await db();",
    "  const before = await d.cacheStats();",
    "  const row = await d.fetchOne(`SELECT id, name FROM ${table} WHERE id = ?`, [Number(req.params.id)]);",
    "  const stats = await d.cacheStats();",
    '  return { row, cache: stats.hits > before.hits ? "HIT" : "MISS", stats, pid: process.pid };',
    "};",
    "",
  ].join("\n"));
  route("items/[id]/post.ts", [
    'import type { Request } from "tina4";',
    'import { db, table } from "../../../db";',
    "export const secured = false; // the subject is the query cache, not auth",
    "export default async (req: Request) => {",
    "  const d = await db();",
    "  const { name } = req.body as { name: string };",
    "  return d.update(table, { name }, { id: Number(req.params.id) });",
    "};",
    "",
  ].join("\n"));
  // GET /twice/1 → the same read twice in one request
  route("twice/[id]/get.ts", [
    'import type { Request } from "tina4";',
    'import { db, table } from "../../../db";',
    "export default async (req: Request) => {",
    "  const d = await db();",
    "  const s0 = await d.cacheStats();",
    "  const sql = `SELECT id, name FROM ${table} WHERE id = ?`;",
    "  const a = await d.fetchOne(sql, [Number(req.params.id)]);",
    "  const b = await d.fetchOne(sql, [Number(req.params.id)]);",
    "  const s1 = await d.cacheStats();",
    "  return { names: [a?.name, b?.name], hits: s1.hits - s0.hits, misses: s1.misses - s0.misses, mode: s1.mode };",
    "};",
    "",
  ].join("\n"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Served = Awaited<ReturnType<typeof startServe>>;
interface ItemReply { row: { id: number; name: string } | null; cache: "HIT" | "MISS"; stats: { hits: number; misses: number; mode: string; backend: string }; pid: number }

async function read(s: Served, id = 1): Promise<ItemReply> {
  const res = await fetch(`${s.url}/items/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ItemReply;
}
async function write(s: Served, name: string, id = 1): Promise<void> {
  const res = await fetch(`${s.url}/items/${id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(200);
}
async function stop(...servers: Served[]): Promise<void> {
  for (const s of servers) s.child.kill("SIGTERM");
  for (const s of servers) expect(await s.exited).toBe(0);
}

/**
 * The test's own connection takes part in invalidation like any instance (same Redis): its
 * DROP/CREATE/INSERT must not leave earlier tests' entries valid. `redis` undefined = no cache.
 */
async function seed(url: string, engine: "sqlite" | "postgres", name: string, redis = redisUrl): Promise<Database> {
  const admin = await Database.connect(url, { queryCache: { request: false, persistent: redis !== undefined, backend: "redis", url: redis } });
  const d = DDL[engine];
  await admin.execute(`CREATE TABLE ${table} (id ${d.int} NOT NULL PRIMARY KEY, name ${d.text})`);
  await admin.insert(table, [{ id: 1, name }, { id: 2, name: `${name} 2` }]);
  return admin;
}

const engines: Array<["sqlite" | "postgres", string | undefined]> = [
  ["sqlite", `sqlite:${join(dataDir, "shared.db")}`],
  ["postgres", serviceUrl("POSTGRES")],
];

describe.each(engines)("two instances, one %s database, one Redis", (engine, dbUrl) => {
  it.skipIf(!dbUrl || !redisUrl)("A MISS, B HIT, A writes, B reads the new row; counters match", async () => {
    const admin = await seed(dbUrl!, engine, "original");
    const env = {
      TINA4_DATABASE_URL: dbUrl!, TINA4_DB_CACHE: "true", TINA4_DB_CACHE_BACKEND: "redis", TINA4_DB_CACHE_URL: redisUrl!,
      TINA4_LOG_LEVEL: "error", QC_TABLE: table,
    };
    const a = await startServe(appDir, [], env);
    const b = await startServe(appDir, [], env);
    try {
      const r1 = await read(a);
      expect(r1).toMatchObject({ row: { id: 1, name: "original" }, cache: "MISS", stats: { mode: "persistent", backend: "redis", hits: 0, misses: 1 } });
      const r2 = await read(b);
      expect(r2.pid).not.toBe(r1.pid);
      expect(r2).toMatchObject({ row: { id: 1, name: "original" }, cache: "HIT", stats: { hits: 1, misses: 0 } });
      expect(await read(b)).toMatchObject({ cache: "HIT", stats: { hits: 2, misses: 0 } });

      await write(a, "written on A");
      const r3 = await read(b);
      expect(r3).toMatchObject({ row: { name: "written on A" }, cache: "MISS", stats: { hits: 2, misses: 1 } });
      expect(await read(a)).toMatchObject({ row: { name: "written on A" }, cache: "HIT", stats: { hits: 1, misses: 1 } });

      // a write on B invalidates what A cached; other rows' entries go too (global generation)
      expect(await read(a, 2)).toMatchObject({ row: { name: "original 2" }, cache: "MISS" });
      expect(await read(a, 2)).toMatchObject({ cache: "HIT" });
      await write(b, "written on B");
      expect(await read(a)).toMatchObject({ row: { name: "written on B" }, cache: "MISS" });
      expect(await read(a, 2)).toMatchObject({ row: { name: "original 2" }, cache: "MISS" });

      // many alternating writes and reads: never a stale read
      for (let i = 0; i < 15; i++) {
        await write(i % 2 === 0 ? a : b, `round ${i}`);
        expect((await read(i % 2 === 0 ? b : a)).row?.name).toBe(`round ${i}`);
      }
    } finally {
      await stop(a, b);
      await admin.execute(`DROP TABLE ${table}`);
      await admin.close();
    }
  }, 60_000);
});

describe("two PostgreSQL databases sharing one Redis", () => {
  const url1 = serviceUrl("POSTGRES");
  const url2 = serviceUrl("POSTGRES2");
  it.skipIf(!url1 || !url2 || !redisUrl)("same SQL, same table name: each instance only ever sees its own database's rows", async () => {
    const admin1 = await seed(url1!, "postgres", "from db one");
    const admin2 = await seed(url2!, "postgres", "from db two");
    const env = { TINA4_DB_CACHE: "true", TINA4_DB_CACHE_BACKEND: "redis", TINA4_DB_CACHE_URL: redisUrl!, TINA4_LOG_LEVEL: "error", QC_TABLE: table };
    const one = await startServe(appDir, [], { ...env, TINA4_DATABASE_URL: url1! });
    const two = await startServe(appDir, [], { ...env, TINA4_DATABASE_URL: url2! });
    try {
      // a Redis unreachable at start falls back to a file cache per process, which isolates trivially
      expect([(await read(one)).stats.backend, (await read(two)).stats.backend]).toEqual(["redis", "redis"]);
      for (let i = 0; i < 3; i++) {
        expect((await read(one)).row?.name).toBe("from db one");
        expect((await read(two)).row?.name).toBe("from db two");
      }
      expect((await read(one)).cache).toBe("HIT");
      expect((await read(two)).cache).toBe("HIT");
      // a write to one database does not invalidate the other's entries
      await write(one, "one changed");
      expect(await read(two)).toMatchObject({ row: { name: "from db two" }, cache: "HIT" });
      expect((await read(one)).row?.name).toBe("one changed");
    } finally {
      await stop(one, two);
      for (const admin of [admin1, admin2]) {
        await admin.execute(`DROP TABLE ${table}`);
        await admin.close();
      }
    }
  }, 60_000);
});

describe("request scope over HTTP", () => {
  it("identical reads in one request run once; entries never leak into the next request", async () => {
    const dbUrl = `sqlite:${join(dataDir, "scoped.db")}`;
    const admin = await seed(dbUrl, "sqlite", "first", undefined);
    const s = await startServe(appDir, [], { TINA4_DATABASE_URL: dbUrl, TINA4_LOG_LEVEL: "error", QC_TABLE: table, TINA4_AUTO_CACHING: "true" });
    try {
      // the app connects lazily: the request that opens the Database starts before scopes are on
      expect((await read(s)).stats.mode).toBe("request");
      const twice = async () => (await (await fetch(`${s.url}/twice/1`)).json()) as { names: string[]; hits: number; misses: number; mode: string };
      expect(await twice()).toEqual({ names: ["first", "first"], hits: 1, misses: 1, mode: "request" });
      await admin.update(table, { name: "second" }, { id: 1 }); // behind the cache's back
      expect(await twice()).toEqual({ names: ["second", "second"], hits: 1, misses: 1, mode: "request" });
      // concurrent requests each get their own scope
      const many = await Promise.all(Array.from({ length: 10 }, () => twice()));
      for (const r of many) expect(r).toMatchObject({ hits: 1, misses: 1 });
      // single reads: never a hit across requests
      for (let i = 0; i < 3; i++) expect((await read(s)).cache).toBe("MISS");
    } finally {
      await stop(s);
      await admin.close();
    }
  }, 60_000);
});
