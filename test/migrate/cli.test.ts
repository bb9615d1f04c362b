/**
 * Through the real CLI (built dist/): migrate:create → edit → migrate → migrate:status →
 * migrate:rollback → migrate:status on every engine; failures and bad flags; and a generated
 * model + CRUD routes served end to end on the ORM (422 listing every invalid field).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { appWithMigrations, ENGINES, engineAvailable, freshDatabase, SQL, type FreshDatabase } from "./engines.js";
import { appToken } from "../support/app-token.js";

describe.each(ENGINES.filter((e) => engineAvailable(e)))("tina4 migrate commands on %s", (engine) => {
  let fresh: FreshDatabase;
  let root: string;
  let env: Record<string, string>;
  const s = SQL[engine];
  beforeAll(async () => {
    fresh = await freshDatabase(engine, "cli");
    root = appWithMigrations({});
    env = { TINA4_DATABASE_URL: fresh.url };
  });
  afterAll(async () => {
    await fresh?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it("create → edit → migrate → status → rollback → status", () => {
    const created = runCli(["migrate:create", "create widgets"], root, env);
    expect(created.code, created.stderr).toBe(0);
    const files = readdirSync(join(root, "migrations")).sort();
    expect(files).toHaveLength(2);
    const up = files.find((f) => !f.endsWith(".down.sql"))!;
    expect(up).toMatch(/^\d{14}_create_widgets\.sql$/);
    expect(files).toContain(up.replace(/\.sql$/, ".down.sql"));
    expect(created.stdout).toContain(`created migrations/${up}`);

    // the untouched template holds only comments: refused, nothing recorded
    const empty = runCli(["migrate"], root, env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("has no SQL statements");

    writeFileSync(join(root, "migrations", up), `${readFileSync(join(root, "migrations", up), "utf8")}CREATE TABLE widgets (id ${s.id}, label ${s.text})${s.suffix};\nINSERT INTO widgets (label) VALUES ('first; with semicolon');\n`);
    writeFileSync(join(root, "migrations", up.replace(/\.sql$/, ".down.sql")), "DROP TABLE widgets;\n");

    const migrated = runCli(["migrate"], root, env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`apply ${up.slice(0, -4)} \\(1/1\\) ✔ \\d+ ms, 2 statements`));
    expect(migrated.stdout).toMatch(/Applied 1 migration \(batch 1\) in \d+/);

    const status = runCli(["migrate:status"], root, env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/MIGRATION\s+STATUS\s+BATCH\s+EXECUTED AT\s+DOWN/);
    expect(status.stdout).toMatch(new RegExp(`${up.slice(0, -4)}\\s+applied\\s+1\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+yes`));
    expect(status.stdout).toContain("1 applied, 0 pending");

    const rolled = runCli(["migrate:rollback"], root, env);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toMatch(/Rolled back 1 migration \(batch 1\)/);

    const after = runCli(["migrate:status"], root, env);
    expect(after.stdout).toMatch(new RegExp(`${up.slice(0, -4)}\\s+pending`));
    expect(after.stdout).toContain("0 applied, 1 pending");
    expect(runCli(["migrate:rollback"], root, env).stdout).toContain("Nothing to roll back");
  });

  it("a failing migration exits 1 naming file, statement, line and the database message; a re-run continues", () => {
    writeFileSync(join(root, "migrations", "30000000000000_broken.sql"), `CREATE TABLE gadgets (id ${s.int})${s.suffix};\nINSERT INTO nowhere (x) VALUES (1);\n`);
    writeFileSync(join(root, "migrations", "30000000000001_after.sql"), "INSERT INTO widgets (label) VALUES ('after');\n");
    const failed = runCli(["migrate"], root, env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/30000000000000_broken\.sql: statement 2 of 2 \(line 2\) failed: \[\w+\] /);
    expect(failed.stderr).toContain("INSERT INTO nowhere");
    expect(failed.stdout).toMatch(/apply 30000000000000_broken \(2\/3\) ✖/);
    // MySQL and Firebird commit the CREATE TABLE apart: the message says so instead of claiming a full rollback
    expect(failed.stderr).toMatch(s.transactionalDdl
      ? /failed: [^\n]*; it was rolled back and not recorded — fix it/
      : /\(statement 1 was already committed: [^)]+\); the rest of the file was rolled back and it was not recorded — undo or guard the committed statements/);
    writeFileSync(join(root, "migrations", "30000000000000_broken.sql"), `CREATE TABLE gadgets2 (id ${s.int})${s.suffix};\n`);
    const fixed = runCli(["migrate"], root, env);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/Applied 2 migrations \(batch 2\)/);
    const bad = runCli(["migrate:rollback", "--steps", "0"], root, env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--steps must be a positive whole number");
    // no down files for batch 2: refused, nothing rolled back
    const noDown = runCli(["migrate:rollback", "--steps", "2"], root, env);
    expect(noDown.code).toBe(1);
    expect(noDown.stderr).toContain("Cannot roll back: no down file for 30000000000001_after.sql, 30000000000000_broken.sql");
    expect(runCli(["migrate:status"], root, env).stdout).toContain("3 applied, 0 pending");
    writeFileSync(join(root, "migrations", "30000000000000_broken.down.sql"), "DROP TABLE gadgets2;\n");
    writeFileSync(join(root, "migrations", "30000000000001_after.down.sql"), "DELETE FROM widgets WHERE label = 'after';\n");
    const both = runCli(["migrate:rollback", "--steps", "2"], root, env);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/Rolled back 3 migrations \(batch 2, 1\)/);
    expect(runCli(["migrate:status"], root, env).stdout).toContain("0 applied, 3 pending");
  });
});

describe("migrate:rollback says how many batches it undoes", () => {
  it("--steps 99 with 3 batches applied: 'Rolling back 3 batches'; with none applied: a clear message, exit 0", () => {
    const root = appWithMigrations({});
    const env = { TINA4_DATABASE_URL: `sqlite:${join(root, "app.db")}` };
    try {
      const none = runCli(["migrate:rollback", "--steps", "5"], root, env);
      expect(none.code, none.stderr).toBe(0);
      expect(none.stdout).toMatch(/Nothing to roll back: no migration is applied on sqlite:/);
      expect(none.stdout).not.toMatch(/Rolling back/);
      for (const [i, table] of ["a", "b", "c"].entries()) {
        writeFileSync(join(root, "migrations", `2025010100000${i}_${table}.sql`), `CREATE TABLE t_${table} (id INTEGER);\n`);
        writeFileSync(join(root, "migrations", `2025010100000${i}_${table}.down.sql`), `DROP TABLE t_${table};\n`);
        const migrated = runCli(["migrate"], root, env);
        expect(migrated.code, migrated.stderr).toBe(0);
      }
      const one = runCli(["migrate:rollback"], root, env);
      expect(one.code, one.stderr).toBe(0);
      expect(one.stdout).toMatch(/Rolling back 1 batch on /);
      expect(runCli(["migrate"], root, env).code).toBe(0);
      const all = runCli(["migrate:rollback", "--steps", "99"], root, env);
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout).toMatch(/Rolling back 3 batches \(all there are; --steps asked for 99\) on /);
      expect(all.stdout).not.toContain("99 batches");
      expect(all.stdout).toMatch(/Rolled back 3 migrations \(batch 3, 2, 1\)/);
      const again = runCli(["migrate:rollback", "--steps", "99"], root, env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/Nothing to roll back: no migration is applied/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("generated model and CRUD routes on the ORM", () => {
  let app: string;
  let server: Awaited<ReturnType<typeof startServe>> | undefined;
  beforeAll(() => {
    app = join(tempDir(), "shop");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  });
  afterAll(async () => {
    if (server) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    rmSync(app, { recursive: true, force: true });
  });

  it("generate model + route --model, migrate, then create (201/422), list, get, update, delete over HTTP", async () => {
    const model = runCli(["generate", "model", "Product", "--fields", "name:string:required,price:float,inStock:bool,releasedAt:datetime"], app);
    expect(model.code, model.stderr).toBe(0);
    expect(runCli(["generate", "route", "api/products", "--model", "Product"], app).code).toBe(0);
    const migrated = runCli(["migrate"], app);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/Applied 1 migration/);

    server = await startServe(app);
    // generated write routes are secured (SPEC §10): a Bearer token signed with the app's secret
    const auth = { authorization: `Bearer ${await appToken(app)}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server!.url}${path}`, { method, headers: body === undefined ? auth : { ...auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    };
    const invalid = await call("POST", "/api/products", { price: "cheap", inStock: "perhaps" });
    expect(invalid.status).toBe(422);
    // the generated routes validate with the model's schema (SPEC §9): every failing field, by location and path
    expect(invalid.body).toMatchObject({ error: "Validation failed" });
    const errors = (invalid.body as { errors: Array<{ in: string; path: string; message: string }> }).errors;
    expect(errors.map((e) => `${e.in}:${e.path}`).sort()).toEqual(["body:inStock", "body:name", "body:price"]);
    for (const e of errors) expect(e.message).toMatch(/\w/);
    const created = await call("POST", "/api/products", { name: "Lamp", price: 12.5, inStock: true, releasedAt: "2024-01-02T03:04:05Z" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 1, name: "Lamp", price: 12.5, inStock: true, releasedAt: "2024-01-02T03:04:05.000Z" });
    await call("POST", "/api/products", { name: "Chair" });
    const list = await call("GET", "/api/products?page=1&limit=1");
    expect(list.body).toMatchObject({ page: 1, limit: 1, total: 2, pages: 2, data: [{ id: 1, name: "Lamp" }] });
    expect((await call("GET", "/api/products/2")).body).toMatchObject({ id: 2, name: "Chair", price: null, inStock: null });
    const updated = await call("PUT", "/api/products/1", { price: 15 });
    expect(updated.body).toMatchObject({ id: 1, name: "Lamp", price: 15, inStock: true });
    expect((await call("PUT", "/api/products/1", { name: "" })).status).toBe(422);
    expect((await call("DELETE", "/api/products/1")).status).toBe(204);
    expect((await call("GET", "/api/products/1")).status).toBe(404);
  }, 60_000);
});
