/**
 * The generators quote a table or column name only when it is in SQL_RESERVED, so a keyword an
 * engine refuses as a bare column name but missing from the list would break that engine's
 * migration. Each live engine is asked: every keyword PostgreSQL and MariaDB know (plus the
 * list itself) is tried as a bare column name, and each one refused must be in the list.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { SQL_RESERVED } from "../../cli/generate/sql-reserved.js";
import { sqlName } from "../../cli/generate/sql-types.js";
import { engineAvailable, ENGINES, freshDatabase, type FreshDatabase } from "../migrate/engines.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Keywords an engine lists about itself (PostgreSQL, MariaDB); none for SQLite and Firebird 3. */
async function listedKeywords(db: Database): Promise<string[]> {
  const sql = db.engine === "postgres" ? "SELECT word FROM pg_get_keywords()" : db.engine === "mysql" ? "SELECT WORD AS word FROM information_schema.KEYWORDS" : null;
  if (sql === null) return [];
  return (await db.fetch(sql, [], { cache: false })).records.map((row) => String(row.word).toLowerCase());
}

const candidates = new Set<string>(SQL_RESERVED);

/** Whether `word` works as a bare column name on db's engine. */
async function bareColumnWorks(db: Database, word: string, n: number): Promise<boolean> {
  try {
    if (db.engine === "firebird") {
      // no DDL per word on Firebird (slow): an unknown column is a name, a syntax error a keyword
      await db.fetch(`SELECT ${word} FROM RDB$DATABASE`, [], { cache: false });
      return false; // it parsed as something else (CURRENT_USER, TRUE, ...): not a plain column name
    }
    await db.execute(`CREATE ${db.engine === "mysql" ? "TEMPORARY" : "TEMP"} TABLE kw_probe_${n} (x INT, ${word} INT)`);
    return true;
  } catch (error) {
    if (db.engine === "firebird") return /Column unknown/i.test((error as Error).message);
    return false;
  }
}

describe("SQL_RESERVED: every keyword an engine refuses as a bare column name", () => {
  it("quotes per engine the way the ORM does: a listed word quoted, any other name bare", () => {
    expect(sqlName("postgres", "order")).toBe('"order"');
    expect(sqlName("mysql", "order")).toBe("`order`");
    expect(sqlName("firebird", "position")).toBe('"POSITION"');
    expect(sqlName("firebird", "title")).toBe("title");
  });

  // the keyword lists of the two engines that publish one are the candidates for all four;
  // skipped only locally without both servers (engineAvailable → serviceUrl() throws under TINA4_TEST_SERVICES=required)
  it.skipIf(!engineAvailable("postgres") || !engineAvailable("mysql"))("collects the keywords PostgreSQL and MariaDB list", async () => {
    for (const engine of ["postgres", "mysql"] as const) {
      const fresh: FreshDatabase = await freshDatabase(engine, "kwlist");
      cleanups.push(() => fresh.drop());
      const db = await Database.connect(fresh.url);
      try {
        expect(db.engine).toBe(engine);
        const words = await listedKeywords(db);
        expect(words.length).toBeGreaterThan(400);
        for (const word of words) if (/^[a-z][a-z0-9_]*$/.test(word)) candidates.add(word);
      } finally {
        await db.close();
      }
    }
  }, 60_000);

  for (const engine of ENGINES) {
    // Skipped only locally when the engine's server URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
    it.skipIf(!engineAvailable(engine))(`${engine}: each keyword it refuses is in the list`, async () => {
      const fresh: FreshDatabase = await freshDatabase(engine, "kwprobe");
      cleanups.push(() => fresh.drop());
      const db = await Database.connect(fresh.url);
      try {
        expect(db.engine).toBe(engine);
        const refused: string[] = [];
        let n = 0;
        for (const word of [...candidates].sort()) if (!(await bareColumnWorks(db, word, n++))) refused.push(word);
        // the probe itself works: a plain name passes, a keyword every engine reserves is refused
        expect(await bareColumnWorks(db, "title", n++)).toBe(true);
        expect(refused).toContain("order");
        expect(refused.filter((word) => !SQL_RESERVED.has(word))).toEqual([]);
      } finally {
        await db.close();
      }
    }, 120_000);
  }
});
