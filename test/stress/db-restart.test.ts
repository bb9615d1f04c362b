/**
 * PostgreSQL restarted under load: a private cluster is stopped (fast shutdown, then an
 * immediate one that looks like a crash) while `tina4 serve --production --workers 2` answers
 * continuous traffic. While it is down, requests needing the database get 503 JSON quickly
 * (none hangs); a route that does not need it keeps answering 200; within 2 s of the server
 * accepting connections again the pools reconnect and every request succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, serve, type Served } from "../dev/support.js";
import { PrivatePostgres, postgresAvailable } from "./support/private-postgres.js";
import { summary, traffic, type Sample } from "./support/traffic.js";
import { skipUnlessAvailable } from "../support/services.js";
import { stressLog } from "./support/log.js";

const ANSWER_BOUND_MS = 2000;
const RECOVERY_BOUND_MS = 2000;
const skip = skipUnlessAvailable(postgresAvailable() && process.getuid?.() === 0,
  "db-restart: needs root and /usr/lib/postgresql/15/bin (apt-get install postgresql)");

describe.skipIf(skip)("PostgreSQL restart under load", () => {
  let pg: PrivatePostgres;
  let served: Served;

  beforeAll(async () => {
    pg = new PrivatePostgres();
    await pg.init();
    await pg.start();
    const dir = makeApp({
      "src/db.ts": [
        'import { Database } from "tina4";',
        "const g = globalThis as { stressDb?: Promise<Database> };",
        "export const db = (): Promise<Database> => (g.stressDb ??= Database.connect());",
        "",
      ].join("\n"),
      "src/routes/db/[n:int]/get.ts": [
        'import type { Request } from "tina4";',
        'import { db } from "../../../db";',
        "export default async (req: Request) => (await db()).fetchOne(\"SELECT CAST(? AS integer) + 1 AS n, pg_backend_pid() AS backend\", [req.params.n]);",
        "",
      ].join("\n"),
      "src/routes/tx/get.ts": [
        'import { db } from "../../db";',
        "export default async () => { const d = await db(); return d.transaction(async () => d.fetchOne(\"SELECT txid_current() AS tx\")); };",
        "",
      ].join("\n"),
      "src/routes/plain/get.ts": "export default () => ({ ok: true });\n",
    });
    served = await serve(dir, ["--production", "--workers", "2"], { TINA4_DATABASE_URL: pg.url, TINA4_LOG_LEVEL: "error" });
  }, 90_000);

  afterAll(async () => {
    await served?.stop();
    await pg?.destroy();
  });

  it.each(["fast", "immediate"] as const)("%s shutdown: 503 JSON fast while down, success within 2 s of restart", async (mode) => {
    const load = traffic(served.url, (lane, i) => (lane === 0 ? "/plain" : lane === 1 ? "/tx" : `/db/${i}`), { lanes: 12, timeoutMs: 12_000, maxMs: 30_000 });
    let samples: Sample[] = [];
    let stopping = 0;
    let stopped = 0;
    let starting = 0;
    let up = 0;
    try {
      await load.next(200);
      stopping = performance.now();
      await pg.stop(mode);
      stopped = performance.now();
      // down for longer than the answer bound, so a request stranded until the server returns would fail it
      await Promise.all([load.next(60), new Promise((r) => setTimeout(r, ANSWER_BOUND_MS + 200))]);
      starting = performance.now();
      await pg.start();
      up = performance.now();
      await new Promise((r) => setTimeout(r, RECOVERY_BOUND_MS + 1000));
    } finally {
      samples = await load.stop();
    }

    const needsDb = samples.filter((s) => s.path !== "/plain");
    const plain = samples.filter((s) => s.path === "/plain");
    const before = needsDb.filter((s) => s.end < stopping);
    // pg_ctl start polls, so the server may accept a little before it returns: "down" ends when it is called
    const down = needsDb.filter((s) => s.start > stopped && s.end < starting);
    const after = needsDb.filter((s) => s.start >= up);
    const firstOk = after.find((s) => s.status === 200);
    const recoveryMs = firstOk ? Math.round(firstOk.end - up) : Infinity;
    const settled = needsDb.filter((s) => s.start >= up + RECOVERY_BOUND_MS);
    stressLog(`[db-restart ${mode}] all ${JSON.stringify(summary(samples))}; down ${JSON.stringify(summary(down))}; ` +
      `first success ${recoveryMs} ms after the server was back; after +2 s ${JSON.stringify(summary(settled))}`);

    const slow = samples.filter((s) => s.end - s.start > 500).map((s) => `${s.path} ${s.status} ${Math.round(s.end - s.start)} ms at ${Math.round(s.start - stopping)} ms`);
    if (slow.length > 0) stressLog(`[db-restart ${mode}] slow answers: ${slow.slice(0, 10).join("; ")}`);
    // nothing hangs or breaks at the transport level, whichever the phase
    expect(samples.filter((s) => s.status === 0).map((s) => `${s.path}: ${s.error}`)).toEqual([]);
    expect(Math.max(...samples.map((s) => s.end - s.start))).toBeLessThan(ANSWER_BOUND_MS);
    // every failure is a 503 JSON without internals
    for (const s of needsDb.filter((x) => x.status !== 200)) {
      expect(s.status, s.body).toBe(503);
      expect(s.contentType).toContain("application/json");
      const body = JSON.parse(s.body) as Record<string, unknown>;
      expect(body.error).toBe("Service Unavailable");
      expect(typeof body.requestId).toBe("string");
      expect(body.stack).toBeUndefined();
    }
    expect(before.length).toBeGreaterThan(50);
    expect(before.every((s) => s.status === 200)).toBe(true);
    expect(down.length).toBeGreaterThan(20);
    expect(down.every((s) => s.status === 503)).toBe(true);
    // the app itself never went away
    expect(plain.every((s) => s.status === 200)).toBe(true);
    // pools re-established
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(settled.length).toBeGreaterThan(20);
    expect(settled.filter((s) => s.status !== 200).map((s) => `${s.path} ${s.status} ${s.body.slice(0, 120)}`)).toEqual([]);
  }, 40_000);
});
