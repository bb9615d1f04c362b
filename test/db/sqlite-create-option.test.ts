/**
 * `{ create: false }` opens an existing SQLite file only: read-only callers (migrate:status)
 * must not leave an empty database, or its folder, behind a mistyped path.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Database, DatabaseError, DbErrorCode } from "../../runtime/db/index.js";

const dir = mkdtempSync(join(tmpdir(), "t4-sqlite-create-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Database.connect({ create }) on SQLite", () => {
  it("create: false rejects a missing file with T4_ERR_DB_NOT_FOUND naming it, and writes nothing", async () => {
    const file = join(dir, "missing", "sub", "app.db");
    const error = await Database.connect(`sqlite:${file}`, { create: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe(DbErrorCode.NOT_FOUND);
    expect((error as DatabaseError).message).toContain(file);
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("create: false opens a file that exists; the default still creates file and folder", async () => {
    const file = join(dir, "made", "app.db");
    const created = await Database.connect(`sqlite:${file}`);
    await created.execute("CREATE TABLE t (id INTEGER)");
    await created.close();
    expect(existsSync(file)).toBe(true);
    const reopened = await Database.connect(`sqlite:${file}`, { create: false });
    expect(await reopened.tableExists("t")).toBe(true);
    await reopened.close();
  });
});
