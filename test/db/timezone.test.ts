/**
 * A Date means the same instant on every instance, whatever time zone each process runs in:
 * a row written by a process in New York reads back unchanged in Tokyo (machines sharing one
 * database, a laptop against a server in UTC). Real servers; each test asserts its engine.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import { engineAvailable, ENGINES, freshDatabase, type FreshDatabase, type TestEngine } from "../migrate/engines.js";

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

const engines: readonly TestEngine[] = ENGINES;

describe("datetime values across processes in different time zones", () => {
  for (const engine of engines) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: written in New York, the same instant in Tokyo and UTC`, async () => {
      const fresh: FreshDatabase = await freshDatabase(engine, "tz");
      cleanups.push(() => fresh.drop());
      const d = dialectFor(engine);
      const at = new Date("2026-01-02T03:04:05.678Z");
      const summer = new Date("2026-07-02T03:04:05.678Z"); // New York on daylight saving time
      try {
        inZone("America/New_York");
        const writer = await Database.connect(fresh.url);
        expect(writer.engine).toBe(engine);
        await writer.execute(`CREATE TABLE events (id ${d.autoIncrementPrimaryKey}, at_time ${d.columnType("datetime")})${d.tableOptions}`);
        await writer.insert("events", [{ at_time: at }, { at_time: summer }]);
        expect((await writer.fetch("SELECT at_time FROM events ORDER BY id", [], { cache: false })).records.map((r) => r.at_time)).toEqual([at, summer]);
        await writer.close();

        for (const tz of ["Asia/Tokyo", "UTC"]) {
          inZone(tz);
          const reader = await Database.connect(fresh.url);
          try {
            expect((await reader.fetch("SELECT at_time FROM events ORDER BY id", [], { cache: false })).records.map((r) => r.at_time), tz).toEqual([at, summer]);
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
