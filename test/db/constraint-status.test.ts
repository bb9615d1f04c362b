/**
 * A write refused by a constraint answers 409 Conflict JSON on every engine — a duplicate
 * unique value, a missing NOT NULL value, a dangling foreign key — instead of a 500, and
 * production never shows the database's message (it quotes the data). Real servers; each
 * test asserts its engine.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { startApp } from "../support/http.js";
import { engineAvailable, ENGINES, freshDatabase } from "../migrate/engines.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("constraint violations over HTTP", () => {
  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: duplicate, NOT NULL and foreign key violations answer 409 JSON; other failures stay 500`, async () => {
      const fresh = await freshDatabase(engine, "conflict");
      cleanups.push(() => fresh.drop());
      const db = await Database.connect(fresh.url);
      cleanups.push(() => db.close());
      expect(db.engine).toBe(engine);
      const d = dialectFor(engine);
      await db.execute(`CREATE TABLE teams (id ${d.autoIncrementPrimaryKey}, slug VARCHAR(50) NOT NULL UNIQUE)${d.tableOptions}`);
      await db.execute(`CREATE TABLE members (id ${d.autoIncrementPrimaryKey}, team_id INTEGER NOT NULL REFERENCES teams (id))${d.tableOptions}`);

      for (const dev of [false, true]) {
        const server = await startApp((app) => {
          app.post("/teams", async (req, res) => res.json(await db.insert("teams", req.body as Record<string, unknown>), 201), { secured: false });
          app.post("/members", async (req, res) => res.json(await db.insert("members", req.body as Record<string, unknown>), 201), { secured: false });
          app.get("/broken", async () => db.fetch("SELECT nope FROM teams"));
        }, { dev });
        try {
          const post = async (path: string, body: unknown) => {
            const reply = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
            return { status: reply.status, type: reply.headers.get("content-type"), body: (await reply.json()) as Record<string, unknown> };
          };
          const slug = dev ? "dev-team" : "prod-team";
          expect((await post("/teams", { slug })).status).toBe(201);
          const duplicate = await post("/teams", { slug });
          expect(duplicate.status).toBe(409);
          expect(duplicate.type).toMatch(/application\/json/);
          expect(duplicate.body).toMatchObject({ error: "Conflict", code: "T4_ERR_DB_CONSTRAINT" });
          expect(typeof duplicate.body.requestId).toBe("string");
          if (dev) expect(String(duplicate.body.message)).toContain(`[${engine}]`);
          else expect(JSON.stringify(duplicate.body)).not.toContain(slug); // the driver's message quotes the value
          expect((await post("/teams", { slug: null })).status).toBe(409);
          expect((await post("/members", { team_id: 999_999 })).status).toBe(409);
          const broken = await fetch(`${server.url}/broken`);
          expect(broken.status).toBe(500);
        } finally {
          await server.close();
        }
      }
    }, 30_000);
  }
});
