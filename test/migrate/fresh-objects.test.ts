/**
 * What `dropAppObjects` (migrate:fresh) finds and drops, engine by engine, on objects a
 * migration may create besides plain tables: PostgreSQL types, domains, function overloads,
 * materialized views, partitioned tables and lone sequences (not what an extension installed),
 * MariaDB sequences and odd names, SQLite views over foreign keys. Afterwards the same DDL runs
 * again, as `tina4 migrate` will run it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { dropAppObjects, listAppObjects } from "../../runtime/migrate/index.js";
import { engineAvailable, freshDatabase, type FreshDatabase, type TestEngine } from "./engines.js";

const DDL: Partial<Record<TestEngine, string[]>> = {
  postgres: [
    "CREATE TYPE mood AS ENUM ('calm', 'busy')",
    "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
    "CREATE TYPE pair AS (a integer, b text)",
    "CREATE TABLE parent (id SERIAL PRIMARY KEY, m mood, p positive)",
    "CREATE TABLE child (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    'CREATE TABLE "MixedCase" (id integer)',
    "CREATE TABLE part (id integer) PARTITION BY RANGE (id)",
    "CREATE TABLE part_low PARTITION OF part FOR VALUES FROM (0) TO (10)",
    "CREATE VIEW child_view AS SELECT * FROM child",
    "CREATE MATERIALIZED VIEW parent_mv AS SELECT * FROM parent",
    "CREATE SEQUENCE lone",
    "CREATE FUNCTION twice(x integer) RETURNS integer AS 'SELECT x * 2' LANGUAGE sql",
    "CREATE FUNCTION twice(x text) RETURNS text AS 'SELECT x || x' LANGUAGE sql",
    "INSERT INTO parent (m, p) VALUES ('calm', 1)",
    "INSERT INTO child (parent_id) VALUES (1)",
  ],
  mysql: [
    "CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB",
    "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
    "CREATE TABLE `Odd``Name` (id INT)",
    "CREATE VIEW child_view AS SELECT * FROM child",
    "CREATE SEQUENCE lone",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id) VALUES (1, 1)",
  ],
  sqlite: [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    'CREATE TABLE "odd""name" (id INTEGER)',
    "CREATE VIEW child_view AS SELECT * FROM child",
    "CREATE INDEX ix_child ON child (parent_id)",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id) VALUES (1, 1)",
  ],
};

const EXPECTED: Partial<Record<TestEngine, string[]>> = {
  postgres: ["domain positive", "function twice", "function twice", "materialized view parent_mv", "sequence lone", "table MixedCase", "table child", "table parent", "table part", "type mood", "type pair", "view child_view"],
  mysql: ["sequence lone", "table Odd`Name", "table child", "table parent", "view child_view"],
  sqlite: ['table odd"name', "table child", "table parent", "view child_view"],
};

const engines = (["sqlite", "postgres", "mysql"] as const).filter((e) => engineAvailable(e));

describe.each(engines)("dropAppObjects on %s", (engine) => {
  const cleanups: FreshDatabase[] = [];
  afterAll(async () => {
    for (const fresh of cleanups) await fresh.drop();
  });

  it("finds and drops every object a migration made, and the same DDL runs again", async () => {
    const fresh = await freshDatabase(engine, "objects");
    cleanups.push(fresh);
    const db = await Database.connect(fresh.url);
    try {
      if (engine === "postgres") await db.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto");
      for (const sql of DDL[engine]!) await db.execute(sql);
      const found = (await listAppObjects(db)).map((o) => `${o.kind} ${o.name}`).sort();
      expect(found).toEqual([...EXPECTED[engine]!].sort());
      expect((await dropAppObjects(db)).length).toBe(EXPECTED[engine]!.length);
      expect(await listAppObjects(db)).toEqual([]);
      if (engine === "postgres") {
        // an extension's functions are not the app's: pgcrypto still works
        expect((await db.fetchOne("SELECT length(gen_random_bytes(4)) AS n", [], { cache: false }))!.n).toBe(4);
      }
      for (const sql of DDL[engine]!) await db.execute(sql);
      expect((await listAppObjects(db)).length).toBe(EXPECTED[engine]!.length);
    } finally {
      await db.close();
    }
  });
});
