import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWatched, watchProject, type ChangeSet } from "../../cli/dev/watcher.js";

const root = "/app";
const watched = (rel: string) => isWatched(root, join(root, rel));

describe("dev watcher: what counts as a change", () => {
  it("watches src/, public/, migrations/ and the root .env files", () => {
    for (const rel of ["src/routes/api/hello/get.ts", "public/css/site.css", "migrations/001_init.sql", ".env", ".env.local", "src/routes/api/[id]/get.ts"]) {
      expect(watched(rel), rel).toBe(true);
    }
    for (const rel of ["README.md", "node_modules/x/index.js", "src/node_modules/x.js", "src/.hidden/a.ts", "data/app.db"]) {
      expect(watched(rel), rel).toBe(false);
    }
  });

  it("watches the root package.json (npm install <pkg> rewrites it once the package is in node_modules)", () => {
    expect(watched("package.json")).toBe(true);
    for (const rel of ["node_modules/x/package.json", "data/package.json", "package-lock.json"]) expect(watched(rel), rel).toBe(false);
  });

  it("ignores the temp files editors write while saving (issue 12 item 20)", () => {
    for (const rel of [
      "src/routes/page/4913", // vim's write test
      "src/routes/page/.get.ts.swp", // vim swap
      "src/routes/page/get.ts.swp",
      "src/routes/page/get.ts.swx",
      "src/routes/page/get.ts~", // backup
      "src/routes/page/.#get.ts", // Emacs lock
      "src/routes/page/get.ts.tmp",
      "public/site.css.tmp",
      "src/routes/page/get.ts___jb_tmp___", // JetBrains safe write
      ".env.swp",
      ".env~",
    ]) {
      expect(watched(rel), rel).toBe(false);
    }
    // names that only look similar stay watched
    for (const rel of ["src/routes/page/49130.ts", "src/routes/tmp/get.ts", "src/routes/swp.ts"]) expect(watched(rel), rel).toBe(true);
  });
});

describe("dev watcher: migrations", () => {
  it("a deleted migration is reported as removed, an edited one as changed", async () => {
    const root = mkdtempSync(join(tmpdir(), "tina4-watch-"));
    mkdirSync(join(root, "migrations"));
    writeFileSync(join(root, "migrations", "20250101000000_a.sql"), "CREATE TABLE a (id INT);\n");
    writeFileSync(join(root, "migrations", "20250101000000_a.down.sql"), "DROP TABLE a;\n");
    const batches: ChangeSet[] = [];
    const watcher = watchProject(root, (changes) => batches.push(changes));
    try {
      await watcher.ready;
      const next = async () => {
        const seen = batches.length;
        const deadline = Date.now() + 5_000;
        while (batches.length === seen && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(batches.length, "a batch arrived").toBeGreaterThan(seen);
        return batches[batches.length - 1]!;
      };
      writeFileSync(join(root, "migrations", "20250101000000_a.sql"), "CREATE TABLE a (id INT, name TEXT);\n");
      expect(await next()).toMatchObject({ migrations: ["migrations/20250101000000_a.sql"], migrationsRemoved: [] });
      rmSync(join(root, "migrations", "20250101000000_a.sql"));
      rmSync(join(root, "migrations", "20250101000000_a.down.sql"));
      // the two deletions may settle in one batch or two
      const after = batches.length;
      const removed = () => batches.slice(after).flatMap((batch) => batch.migrationsRemoved).sort();
      while (removed().length < 2) await next();
      expect(removed()).toEqual(["migrations/20250101000000_a.down.sql", "migrations/20250101000000_a.sql"]);
      expect(batches.slice(after).flatMap((batch) => [...batch.migrations, ...batch.code])).toEqual([]);
    } finally {
      await watcher.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
