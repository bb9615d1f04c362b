import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { isWatched } from "../../cli/dev/watcher.js";

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
