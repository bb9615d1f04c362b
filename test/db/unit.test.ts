import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import * as tedious from "tedious";
import { Database, DatabaseError, parseDatabaseUrl, redact } from "../../runtime/db/index.js";
import { bindMssqlParams } from "../../runtime/db/adapters/mssql.js";
import { requireDriver } from "../../runtime/db/adapters/adapter.js";
import { MssqlDialect } from "../../runtime/db/dialects/mssql.js";
import { PostgresDialect } from "../../runtime/db/dialects/postgres.js";
import { FirebirdDialect } from "../../runtime/db/dialects/firebird.js";
import { Dialect } from "../../runtime/db/dialects/dialect.js";
import { MysqlDialect } from "../../runtime/db/dialects/mysql.js";
import { SqliteDialect } from "../../runtime/db/dialects/sqlite.js";
import { placeholderPositions, trimStatementEnd } from "../../runtime/db/sql.js";

describe("database URLs", () => {
  it("parses every engine and masks the password", () => {
    expect(parseDatabaseUrl("sqlite::memory:").database).toBe(":memory:");
    expect(parseDatabaseUrl("sqlite:data/app.db", "/srv/app").database).toBe("/srv/app/data/app.db");
    expect(parseDatabaseUrl("sqlite:///abs/x.db").database).toBe("/abs/x.db");
    const pg = parseDatabaseUrl("postgresql://u:s%40cret@db.example:6543/shop?ssl=true");
    expect(pg).toMatchObject({ engine: "postgres", host: "db.example", port: 6543, user: "u", password: "s@cret", database: "shop", options: { ssl: "true" } });
    expect(pg.redacted).not.toContain("cret");
    expect(parseDatabaseUrl("mariadb://u:p@h/db")).toMatchObject({ engine: "mysql", port: 3306 });
    expect(parseDatabaseUrl("mssql://u:p@h/db")).toMatchObject({ engine: "mssql", port: 1433 });
    expect(parseDatabaseUrl("firebird://SYSDBA:masterkey@127.0.0.1:3050//var/db/x.fdb")).toMatchObject({ engine: "firebird", database: "/var/db/x.fdb", port: 3050 });
    expect(parseDatabaseUrl("firebird://u:p@h/employee").database).toBe("employee");
  });

  it("rejects bad URLs with T4_ERR_DB_URL naming the expected forms, without the password", () => {
    for (const bad of ["nonsense", "oracle://u:topsecret@h/db", "postgres://u:topsecret@/db", "postgres://u:topsecret@h", "sqlite:"]) {
      const e = (() => {
        try {
          parseDatabaseUrl(bad);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(DatabaseError);
      expect((e as DatabaseError).code).toBe("T4_ERR_DB_URL");
      expect((e as Error).message).toContain("postgres://user:pass@host:5432/db");
      expect((e as Error).message).not.toContain("topsecret");
    }
  });

  it("redact masks credentials in any text", () => {
    expect(redact("failed for mysql://root:hunter2@h/db")).toBe("failed for mysql://root:***@h/db");
    expect(redact("password hunter2 leaked", ["hunter2"])).toBe("password *** leaked");
  });
});

describe("SQL translation", () => {
  it("finds placeholders outside literals, identifiers and comments", () => {
    const sql = `SELECT '?', "a?", x FROM t -- ?\n WHERE a = ? /* ? */ AND b = 'it''s ?' AND c = ?`;
    expect(placeholderPositions(sql)).toHaveLength(2);
    expect(placeholderPositions("SELECT $$ ? $$, ? ", { dollarQuotes: true })).toHaveLength(1);
  });

  it("knows each engine's comment syntax: MySQL `#` and `--` + space, nested block comments", () => {
    const mysql = new MysqlDialect().flavour;
    expect(placeholderPositions("SELECT ? # ?\n, ?", mysql)).toHaveLength(2);
    expect(placeholderPositions("SELECT ? # ?\n, ?")).toHaveLength(3); // `#` is not a comment elsewhere
    expect(placeholderPositions("SELECT 5--?", mysql)).toHaveLength(1); // MySQL: 5 - -?
    expect(placeholderPositions("SELECT 5-- ?", mysql)).toHaveLength(0);
    const pg = new PostgresDialect().flavour;
    expect(placeholderPositions("SELECT /* a /* ? */ ? */ ?", pg)).toHaveLength(1);
    expect(placeholderPositions("SELECT /* a /* ? */ ? */ ?")).toHaveLength(2); // SQLite does not nest
  });

  it("trims trailing comments, whitespace and semicolons, never text inside literals", () => {
    expect(trimStatementEnd("SELECT 1 -- c")).toBe("SELECT 1");
    expect(trimStatementEnd("SELECT 1; /* a */ ; -- b\n\n")).toBe("SELECT 1");
    expect(trimStatementEnd("SELECT '-- not a comment' -- c")).toBe("SELECT '-- not a comment'");
    expect(trimStatementEnd("SELECT 1 -- a\nFROM t /* b */")).toBe("SELECT 1 -- a\nFROM t");
    expect(trimStatementEnd("SELECT 1; SELECT 2;")).toBe("SELECT 1; SELECT 2");
    expect(trimStatementEnd("SELECT 1 # c", new MysqlDialect().flavour)).toBe("SELECT 1");
    expect(trimStatementEnd("SELECT 5--1", new MysqlDialect().flavour)).toBe("SELECT 5--1");
    expect(trimStatementEnd("SELECT 1 /* a /* b */ c */", new PostgresDialect().flavour)).toBe("SELECT 1");
    const sql = "SELECT 1";
    expect(trimStatementEnd(sql)).toBe(sql);
  });

  it("paging and counting wrap statements with trailing comments (every dialect)", () => {
    const sql = "SELECT n FROM t ORDER BY n -- newest";
    expect(new SqliteDialect().page(sql, 5, 10).sql).toBe("SELECT n FROM t ORDER BY n LIMIT 5 OFFSET 10");
    expect(new FirebirdDialect().page(sql, 5, 10).sql).toBe("SELECT n FROM t ORDER BY n ROWS 11 TO 15");
    expect(new MssqlDialect().page(sql, 5, 10).sql).toBe("SELECT n FROM t ORDER BY n OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY");
    expect(new PostgresDialect().countSql(sql).sql).toBe("SELECT COUNT(*) AS total FROM (SELECT n FROM t ) t4_count");
    // an inner LIMIT is rewritten for engines without LIMIT, with its bound values reordered
    const fb = new FirebirdDialect();
    const paged = fb.page("SELECT n FROM t WHERE a = ? ORDER BY n LIMIT ? OFFSET ? /* c */", 4, 4);
    expect(paged.sql).toBe("SELECT * FROM (SELECT n FROM t WHERE a = ? ORDER BY n OFFSET ? ROWS FETCH NEXT ? ROWS ONLY) t4_page ROWS 5 TO 8");
    expect(Dialect.bind(paged, ["x", 10, 2])).toEqual(["x", 2, 10]);
    expect(fb.countSql("SELECT n FROM t ORDER BY n LIMIT 3 -- c").sql).toBe("SELECT COUNT(*) AS total FROM (SELECT n FROM t ORDER BY n OFFSET 0 ROWS FETCH NEXT 3 ROWS ONLY) t4_count");
  });

  it("postgres: ? → $n, LIMIT kept", () => {
    const d = new PostgresDialect();
    expect(d.prepare("SELECT * FROM t WHERE a = ? AND b = '?' LIMIT ? OFFSET ?").sql).toBe("SELECT * FROM t WHERE a = $1 AND b = '?' LIMIT $2 OFFSET $3");
  });

  it("firebird: LIMIT/OFFSET → OFFSET/FETCH (bound values reordered) and ROWS for paging", () => {
    const d = new FirebirdDialect();
    expect(d.prepare("SELECT * FROM t ORDER BY a LIMIT 5 OFFSET 10").sql).toBe("SELECT * FROM t ORDER BY a OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY");
    const plan = d.prepare("SELECT * FROM t WHERE a = ? LIMIT ? OFFSET ?");
    expect(plan.sql).toBe("SELECT * FROM t WHERE a = ? OFFSET ? ROWS FETCH NEXT ? ROWS ONLY");
    expect(Dialect.bind(plan, ["x", 5, 10])).toEqual(["x", 10, 5]);
    expect(d.page("SELECT * FROM t ORDER BY a", 10, 20).sql).toBe("SELECT * FROM t ORDER BY a ROWS 21 TO 30");
    expect(d.quote("users")).toBe('"USERS"');
  });

  it("mssql: ? → @pN, LIMIT → TOP or OFFSET/FETCH with an ORDER BY", () => {
    const d = new MssqlDialect();
    expect(d.prepare("SELECT name FROM t WHERE id = ?").sql).toBe("SELECT name FROM t WHERE id = @p1");
    expect(d.prepare("SELECT name FROM t LIMIT 3").sql).toBe("SELECT TOP 3 name FROM t");
    expect(d.prepare("SELECT DISTINCT name FROM t LIMIT 3").sql).toBe("SELECT DISTINCT TOP 3 name FROM t");
    expect(d.prepare("SELECT name FROM t ORDER BY name LIMIT 3 OFFSET 6").sql).toBe("SELECT name FROM t ORDER BY name OFFSET 6 ROWS FETCH NEXT 3 ROWS ONLY");
    const plan = d.prepare("SELECT name FROM t WHERE a = ? LIMIT ? OFFSET ?");
    expect(plan.sql).toBe("SELECT name FROM t WHERE a = @p1 ORDER BY (SELECT NULL) OFFSET @p2 ROWS FETCH NEXT @p3 ROWS ONLY");
    expect(Dialect.bind(plan, ["x", 3, 6])).toEqual(["x", 6, 3]);
    expect(d.page("SELECT name FROM t", 10, 0).sql).toBe("SELECT name FROM t ORDER BY (SELECT NULL) OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY");
    expect(d.countSql("SELECT name FROM t ORDER BY name").sql).toBe("SELECT COUNT(*) AS total FROM (SELECT name FROM t ) t4_count");
    expect(d.insertSql("[t]", ["[a]", "[b]"], 2, "[id]")).toBe("INSERT INTO [t] ([a], [b]) OUTPUT INSERTED.[id] VALUES (?, ?), (?, ?)");
    expect(d.quote("dbo.users")).toBe("[dbo].[users]");
    expect(() => d.quote("users]; DROP TABLE x")).toThrow(/Invalid identifier/);
    expect(d.savepoint("s1")).toBe("SAVE TRANSACTION s1");
  });

  it("mssql: binds positional values as typed @pN parameters", () => {
    const when = new Date("2024-01-02T03:04:05Z");
    const bound = bindMssqlParams([1, 2 ** 40, 1.5, "héllo", true, null, undefined, when, Buffer.from([1, 2]), 9007199254740993n, { a: 1 }], tedious.TYPES);
    expect(bound.map((p) => [p.name, p.type.name])).toEqual([
      ["p1", "Int"], ["p2", "BigInt"], ["p3", "Float"], ["p4", "NVarChar"], ["p5", "Bit"], ["p6", "NVarChar"],
      ["p7", "NVarChar"], ["p8", "DateTime2"], ["p9", "VarBinary"], ["p10", "BigInt"], ["p11", "NVarChar"],
    ]);
    expect(bound[5]!.value).toBeNull();
    expect(bound[6]!.value).toBeNull();
    expect(bound[9]!.value).toBe("9007199254740993");
    expect(bound[10]!.value).toBe('{"a":1}');
    expect(bound[3]!.options).toEqual({ length: 4000 });
  });
});

describe("connection failures", () => {
  it("a missing driver names the npm package to install", async () => {
    await expect(requireDriver("t4-no-such-driver-pkg", "postgres")).rejects.toMatchObject({
      code: "T4_ERR_DB_DRIVER_MISSING",
      message: expect.stringContaining("npm install t4-no-such-driver-pkg"),
    });
  });

  it("an unreachable server is T4_ERR_DB_UNAVAILABLE and the message has no password", async () => {
    const port = await freePort();
    for (const scheme of ["postgres", "mysql", "mssql", "firebird"]) {
      const url = `${scheme}://user:pw-s3cret@127.0.0.1:${port}/db`;
      // without failFast, connect() starts lazily (a warning) and the first query fails the same way
      const lazy = await Database.connect(url, { connectTimeoutMs: 2000 });
      const first = await lazy.fetchOne("SELECT 1").catch((x: unknown) => x);
      await lazy.close();
      expect((first as DatabaseError).code, scheme).toBe("T4_ERR_DB_UNAVAILABLE");
      expect(String((first as Error).message)).not.toContain("pw-s3cret");
      const e = await Database.connect(url, { connectTimeoutMs: 2000, failFast: true }).catch((x: unknown) => x);
      expect(e, scheme).toBeInstanceOf(DatabaseError);
      expect((e as DatabaseError).code, scheme).toBe("T4_ERR_DB_UNAVAILABLE");
      expect((e as DatabaseError).unavailable).toBe(true);
      expect(String((e as Error).message)).not.toContain("pw-s3cret");
      expect(String((e as Error).stack)).not.toContain("pw-s3cret");
    }
  });

  it("the default URL is sqlite:data/app.db and creates the data directory", async () => {
    const { mkdtempSync, existsSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "t4-default-"));
    const cwd = process.cwd();
    const saved = process.env.TINA4_DATABASE_URL;
    delete process.env.TINA4_DATABASE_URL;
    process.chdir(dir);
    try {
      const db = await Database.connect();
      expect(db.engine).toBe("sqlite");
      expect(existsSync(join(dir, "data", "app.db"))).toBe(true);
      expect((await db.fetchOne("PRAGMA journal_mode"))?.journal_mode).toBe("wal");
      await db.close();
    } finally {
      process.chdir(cwd);
      if (saved !== undefined) process.env.TINA4_DATABASE_URL = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
