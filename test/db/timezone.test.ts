/**
 * A Date means the same instant on every instance, whatever time zone each process runs in:
 * a row written by a process in New York reads back unchanged in Tokyo (machines sharing one
 * database, a laptop against a server in UTC). Real servers; each test asserts its engine.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { engineAvailable, freshDatabase, type FreshDatabase, type TestEngine } from "../migrate/engines.js";

const originalTz = process.env.TZ;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Node re-reads TZ when it is assigned: later Date conversions use the new zone. */
function inZone(tz: string): void {
  process.env.TZ = tz;
  expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(tz === "America/New_York" ? 300 : tz === "Asia/Tokyo" ? -540 : 0);
}

// Firebird is left out: node-firebird converts TIMESTAMPs through the process's local time (see docs/database.md).
const engines: TestEngine[] = ["sqlite", "postgres", "mysql"];

describe("datetime values across processes in different time zones", () => {
  for (const engine of engines) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: written in New York, the same instant in Tokyo and UTC`, async () => {
      const fresh: FreshDatabase = await freshDatabase(engine, "tz");
      cleanups.push(() => fresh.drop());
      const d = dialectFor(engine);
      const at = new Date("2026-01-02T03:04:05.678Z");
      try {
        inZone("America/New_York");
        const writer = await Database.connect(fresh.url);
        expect(writer.engine).toBe(engine);
        await writer.execute(`CREATE TABLE events (id ${d.autoIncrementPrimaryKey}, at_time ${d.columnType("datetime")})${d.tableOptions}`);
        await writer.insert("events", { at_time: at });
        expect((await writer.fetchOne("SELECT at_time FROM events", [], { cache: false }))?.at_time).toEqual(at);
        await writer.close();

        for (const tz of ["Asia/Tokyo", "UTC"]) {
          inZone(tz);
          const reader = await Database.connect(fresh.url);
          try {
            expect((await reader.fetchOne("SELECT at_time FROM events", [], { cache: false }))?.at_time, tz).toEqual(at);
            // and a Date bound as a parameter finds the row it was stored as
            expect((await reader.fetchOne("SELECT COUNT(*) AS n FROM events WHERE at_time = ?", [at], { cache: false }))?.n, tz).toBe(1);
          } finally {
            await reader.close();
          }
        }
      } finally {
        if (originalTz === undefined) delete process.env.TZ;
        else process.env.TZ = originalTz;
      }
    }, 30_000);
  }
});
