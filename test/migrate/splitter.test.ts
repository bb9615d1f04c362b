import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverMigrations, MigrationError, splitSql } from "../../runtime/migrate/index.js";
import { tempDir } from "../support/cli.js";

const sqls = (text: string, engine?: Parameters<typeof splitSql>[1] extends infer O ? O extends { engine?: infer E } ? E : never : never) => splitSql(text, { engine }).map((s) => s.sql);

describe("splitSql", () => {
  it("splits on ; and keeps line numbers; drops comment-only and empty statements", () => {
    const out = splitSql("-- header\nCREATE TABLE a (id INT);\n\n/* block */\nINSERT INTO a VALUES (1);;\n  -- trailing comment\n");
    expect(out).toEqual([
      { sql: "CREATE TABLE a (id INT)", line: 2 },
      { sql: "INSERT INTO a VALUES (1)", line: 5 },
    ]);
    expect(splitSql("SELECT 1")).toEqual([{ sql: "SELECT 1", line: 1 }]);
    expect(splitSql("  \n-- only a comment\n/* and another */\n")).toEqual([]);
  });

  it("ignores ; and comment markers inside strings, quoted names and comments; https:// is not a comment", () => {
    expect(sqls("INSERT INTO t VALUES ('a;b', 'it''s; -- no', 'https://x.io/a;b');SELECT \"we;ird\" FROM `b;t`;")).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; -- no', 'https://x.io/a;b')",
      'SELECT "we;ird" FROM `b;t`',
    ]);
    expect(sqls("SELECT 1; -- a; b\n/* c; d */ SELECT 2;")).toEqual(["SELECT 1", "/* c; d */ SELECT 2"].map((s) => s.replace("/* c; d */ ", "")));
    expect(sqls("SELECT 'x' /* inner ; */ AS y; SELECT 3")).toEqual(["SELECT 'x' /* inner ; */ AS y", "SELECT 3"]);
  });

  it("MySQL: backslash escapes, # comments and DELIMITER blocks", () => {
    expect(sqls("INSERT INTO t VALUES ('it\\'s; fine'); # note; here\nSELECT 2;", "mysql")).toEqual(["INSERT INTO t VALUES ('it\\'s; fine')", "SELECT 2"]);
    const proc = "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND //\nDELIMITER ;\nCALL p();\n";
    const out = splitSql(proc, { engine: "mysql" });
    expect(out.map((s) => s.sql)).toEqual(["CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND", "CALL p()"]);
    expect(out[0]!.line).toBe(2);
    // `DELIMITER $$` is common in MySQL dumps
    expect(sqls("DELIMITER $$\nCREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END$$\nDELIMITER ;\nSELECT f();", "mysql")).toEqual([
      "CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END",
      "SELECT f()",
    ]);
  });

  it("PostgreSQL: $$ and $tag$ bodies, E'' escapes, nested comments; $1 is not a tag", () => {
    const fn = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nCREATE FUNCTION g() RETURNS text AS $body$ BEGIN RETURN 'a;$$;b'; END; $body$ LANGUAGE plpgsql;\nSELECT E'it\\'s; ok';\n/* outer /* inner; */ still; */ SELECT 4;";
    expect(sqls(fn, "postgres")).toEqual([
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
      "CREATE FUNCTION g() RETURNS text AS $body$ BEGIN RETURN 'a;$$;b'; END; $body$ LANGUAGE plpgsql",
      "SELECT E'it\\'s; ok'",
      "SELECT 4",
    ]);
    expect(sqls("PREPARE q AS SELECT $1; EXECUTE q(1);", "postgres")).toEqual(["PREPARE q AS SELECT $1", "EXECUTE q(1)"]);
  });

  it("Firebird: SET TERM blocks; trigger and EXECUTE BLOCK bodies without SET TERM", () => {
    const text = "SET TERM ^ ;\nCREATE TRIGGER t FOR a BEFORE INSERT AS\nBEGIN\n  NEW.x = 1;\nEND^\nSET TERM ; ^\nINSERT INTO a (x) VALUES (2);";
    expect(sqls(text, "firebird")).toEqual(["CREATE TRIGGER t FOR a BEFORE INSERT AS\nBEGIN\n  NEW.x = 1;\nEND", "INSERT INTO a (x) VALUES (2)"]);
    expect(sqls("EXECUTE BLOCK AS DECLARE n INT; BEGIN n = 1; IF (n = 1) THEN BEGIN n = 2; END END;\nSELECT 1 FROM RDB$DATABASE;", "firebird")).toEqual([
      "EXECUTE BLOCK AS DECLARE n INT; BEGIN n = 1; IF (n = 1) THEN BEGIN n = 2; END END",
      "SELECT 1 FROM RDB$DATABASE",
    ]);
  });

  it("SQLite / MySQL triggers: BEGIN … END with CASE … END and END IF inside", () => {
    const trig = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET y = CASE WHEN NEW.x > 1 THEN 'big' ELSE 'small' END; DELETE FROM b; END;\nSELECT 1;";
    expect(sqls(trig, "sqlite")).toEqual([
      "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET y = CASE WHEN NEW.x > 1 THEN 'big' ELSE 'small' END; DELETE FROM b; END",
      "SELECT 1",
    ]);
    const my = "CREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW BEGIN IF NEW.x > 1 THEN SET NEW.y = 1; END IF; END;\nSELECT 2;";
    expect(sqls(my, "mysql")).toEqual(["CREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW BEGIN IF NEW.x > 1 THEN SET NEW.y = 1; END IF; END", "SELECT 2"]);
    // BEGIN as a transaction statement is not a block
    expect(sqls("BEGIN; SELECT 1; COMMIT;")).toEqual(["BEGIN", "SELECT 1", "COMMIT"]);
  });

  it("unterminated strings, comments and dollar bodies are errors with the line", () => {
    for (const [text, what] of [["SELECT 1;\nSELECT 'oops;", "string"], ["SELECT 1; /* never closed", "comment"], ["SELECT $$ open;", "dollar"], ['SELECT "x;', "quoted name"]] as const) {
      const e = (() => {
        try {
          splitSql(text, { engine: "postgres", file: "5_x.sql" });
        } catch (error) {
          return error;
        }
        return null;
      })();
      expect(e, text).toBeInstanceOf(MigrationError);
      expect((e as MigrationError).code).toBe("T4_ERR_MIGRATE_SPLIT");
      expect((e as MigrationError).message).toContain(what);
      expect((e as MigrationError).message).toContain("5_x.sql");
    }
  });
});

describe("discoverMigrations", () => {
  it("orders by the numeric prefix (9_ before 10_), pairs .down.sql files, never treats them as up migrations", () => {
    const dir = join(tempDir("tina4-disc-"), "migrations");
    mkdirSync(dir);
    for (const f of ["10_b.sql", "9_a.sql", "9_a.down.sql", "20240101120000_c.sql", "100_d.sql", "7_only.down.sql", "notes.sql", "README.md", "2_Z.SQL"]) writeFileSync(join(dir, f), "SELECT 1;");
    const { files, ignored } = discoverMigrations(dir);
    expect(files.map((f) => f.name)).toEqual(["2_Z", "9_a", "10_b", "100_d", "20240101120000_c"]);
    expect(files.find((f) => f.name === "9_a")!.downPath).toBe(join(dir, "9_a.down.sql"));
    expect(files.find((f) => f.name === "10_b")!.downPath).toBeNull();
    expect(ignored).toEqual(["notes.sql"]);
    expect(discoverMigrations(join(dir, "missing"))).toEqual({ files: [], ignored: [] });
  });
});
