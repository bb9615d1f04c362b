/**
 * A second testClient() in the same process must find the app's databases working again after
 * the first client's close(): route modules are cached by Node's ESM loader, so a route file's
 * module-level `const db = await Database.connect()` is the same object for both clients, and
 * close() (the app's shutdown hooks) had closed it for good (T4_ERR_DB_CLOSED). The lifecycle
 * now only releases what it closes (pools ended, sockets closed): the next use reopens it. And
 * the process must still exit by itself after the last close(), so the script runs in a child
 * `node`, as test-client-exit does.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initLinkedApp, runNodeScript } from "../support/script-app.js";
import { serviceUrl } from "../support/services.js";
import { Database } from "../../runtime/db/index.js";
import { App } from "../../runtime/app.js";
// the package's entry, as an app imports it: it registers the shutdown hook closing response caches
import { responseCache, testClient } from "../../runtime/index.js";

const postgres = serviceUrl("POSTGRES");
const redis = serviceUrl("REDIS");
const table = `tc_reuse_${process.pid}_${Date.now()}`;

/** `tina4 init` plus the routes of the test; a plain `node` resolves `tina4` through node_modules. */
function makeApp(prefix: string): string {
  const app = initLinkedApp(prefix);
  mkdirSync(join(app, "src", "models"), { recursive: true });
  writeFileSync(join(app, "src", "models", "Note.ts"), [
    'import { Model, type ModelFields } from "tina4";',
    "export default class Note extends Model {",
    "  static tableName = process.env.REUSE_TABLE!;",
    '  static fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, body: { type: "string" } };',
    "  declare id: number;",
    "  declare body: string;",
    "}",
    "",
  ].join("\n"));
  // PostgreSQL (TINA4_DATABASE_URL) opened at module level, as apps do
  writeFileSync(join(app, "src", "routes", "pg.ts"), [
    'import { get, Database } from "tina4";',
    'import Note from "../models/Note";',
    "const db = await Database.connect();",
    "const table = process.env.REUSE_TABLE!;",
    "await db.execute(`CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, body TEXT NOT NULL)`);",
    'get("/pg/{n:int}", async (req) => db.fetchOne("SELECT CAST(? AS INTEGER) + 1 AS answer", [req.params.n]));',
    // the model joins the route's transaction (the open-transactions registry), on the reopened database
    'get("/pg-tx/{body}", async (req) => db.transaction(async () => {',
    "  await Note.create({ body: req.params.body });",
    "  const row = await db.fetchOne(`SELECT COUNT(*) AS n FROM ${table} WHERE body = ?`, [req.params.body]);",
    "  return { inTransaction: db.inTransaction(), n: Number(row!.n) };",
    "}));",
    // the persistent query cache: a second request for the same read is a hit
    'get("/pg-cache/{n:int}", async (req) => {',
    '  const row = await db.fetchOne("SELECT CAST(? AS INTEGER) * 2 AS twice", [req.params.n]);',
    "  const stats = await db.cacheStats();",
    "  return { twice: row!.twice, mode: stats.mode, hits: stats.hits };",
    "});",
    "",
  ].join("\n"));
  // the model's own shared database (opened lazily from TINA4_DATABASE_URL)
  writeFileSync(join(app, "src", "routes", "notes.ts"), [
    'import { get } from "tina4";',
    'import Note from "../models/Note";',
    'get("/notes/{body}", async (req) => {',
    "  await Note.create({ body: req.params.body });",
    '  return { bodies: (await Note.where("body = ?", [req.params.body])).map((n) => n.body) };',
    "});",
    "",
  ].join("\n"));
  writeFileSync(join(app, "src", "routes", "lite.ts"), [
    'import { get, Database } from "tina4";',
    'const lite = await Database.connect("sqlite:data/reuse.db");',
    'await lite.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY AUTOINCREMENT, round INTEGER NOT NULL)");',
    'get("/lite/{round:int}", async (req) => {',
    '  await lite.insert("hits", { round: req.params.round });',
    '  return lite.fetchOne("SELECT COUNT(*) AS n, MAX(round) AS last FROM hits");',
    "});",
    "",
  ].join("\n"));
  // the KV cache and the bus on Redis, a subscriber registered at module level
  writeFileSync(join(app, "src", "routes", "shared.ts"), [
    'import { get, cacheGet, cacheSet, publish, subscribe } from "tina4";',
    "const received: number[] = [];",
    'subscribe<number>("tc-reuse", (n) => received.push(n));',
    'get("/cache/{n:int}", async (req) => { await cacheSet("tc-reuse", req.params.n); return { cached: await cacheGet("tc-reuse") }; });',
    'get("/bus/{n:int}", async (req) => {',
    '  await publish("tc-reuse", req.params.n);',
    "  for (let i = 0; i < 200 && !received.includes(req.params.n); i++) await new Promise((r) => setTimeout(r, 10));",
    "  return { received: received.includes(req.params.n) };",
    "});",
    "",
  ].join("\n"));
  return app;
}

afterAll(async () => {
  if (!postgres) return;
  const db = await Database.connect(postgres);
  await db.execute(`DROP TABLE IF EXISTS ${table}`);
  await db.close();
});

describe.skipIf(!postgres || !redis)("a second testClient() after close() in the same process", () => {
  it("serves PostgreSQL, SQLite, model, cache and bus routes again with correct data, and the process still exits by itself", async () => {
    const app = makeApp("tina4-tc-reuse-");
    writeFileSync(join(app, "script.mjs"), [
      'import { testClient } from "tina4";',
      "for (const round of [1, 2]) {",
      "  const client = await testClient();",
      "  const show = async (path) => { const r = await client.get(path); console.log(`${round} ${path} ${r.status} ${r.text()}`); };",
      "  await show(`/pg/${40 + round}`);",
      "  await show(`/pg-tx/tx-${round}`);",
      "  await show(`/pg-cache/${10 + round}`);",
      "  await show(`/pg-cache/${10 + round}`);",
      "  await show(`/notes/note-${round}`);",
      "  await show(`/lite/${round}`);",
      "  await show(`/cache/${round}`);",
      "  await show(`/bus/${round}`);",
      "  await client.close();",
      "  console.log(`${round} closed`);",
      "}",
      "",
    ].join("\n"));
    const result = await runNodeScript(app, "script.mjs", {
      TINA4_DATABASE_URL: postgres!,
      TINA4_DB_CACHE: "true",
      TINA4_CACHE_BACKEND: "redis",
      TINA4_CACHE_URL: redis!,
      TINA4_PUBSUB_URL: redis!,
      TINA4_PUBSUB_PREFIX: `tc-reuse-${process.pid}`,
      REUSE_TABLE: table,
    }, 20_000);
    const out = result.output;
    for (const round of [1, 2]) {
      expect(out, out).toContain(`${round} /pg/${40 + round} 200 {"answer":${41 + round}}`);
      expect(out, out).toContain(`${round} /pg-tx/tx-${round} 200 {"inTransaction":true,"n":1}`);
      expect(out, out).toContain(`${round} /notes/note-${round} 200 {"bodies":["note-${round}"]}`);
      expect(out, out).toContain(`${round} /lite/${round} 200 {"n":${round},"last":${round}}`);
      expect(out, out).toContain(`${round} /cache/${round} 200 {"cached":${round}}`);
      expect(out, out).toContain(`${round} /bus/${round} 200 {"received":true}`);
      // two requests for one read: the second is a hit of the persistent query cache
      const cache = [...out.matchAll(new RegExp(`^${round} /pg-cache/${10 + round} (\\d+) (.*)$`, "gm"))];
      expect(cache.map((m) => m[1]), out).toEqual(["200", "200"]);
      const [first, second] = cache.map((m) => JSON.parse(m[2]!) as { twice: number; mode: string; hits: number });
      expect(first!.twice).toBe(2 * (10 + round));
      expect(second!.mode).toBe("persistent");
      expect(second!.hits, out).toBe(first!.hits + 1);
      expect(out).toContain(`${round} closed`);
    }
    expect(result.exitedInTime, `still running 20 s later:\n${out}`).toBe(true);
    expect(result.code, out).toBe(0);
  }, 90_000);
});

describe("a responseCache() made once (a route module's) across testClient() closes", () => {
  it("caches again for the next client: its backend, closed by close(), is opened anew", async () => {
    let runs = 0;
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/cached", () => ({ run: ++runs }), [responseCache({ backend: "memory", ttl: 60 })]);
    for (const round of [1, 2]) {
      const client = await testClient({ app });
      const first = await client.get("/cached");
      const second = await client.get("/cached");
      // round 2 may find round 1's entry (the memory backend's entries are the process's); a
      // closed backend would answer MISS to both (closed: every lookup misses, nothing is stored)
      expect(second.headers["x-cache"], `round ${round}`).toBe("HIT");
      expect(second.json()).toEqual(first.json());
      await client.close();
    }
    expect(runs).toBeLessThanOrEqual(2);
  });
});
