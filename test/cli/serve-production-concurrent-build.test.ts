/**
 * Two `tina4 serve --production` started at the same moment in one app folder whose dist/ is
 * missing: one builds, the other waits for that build and serves it. Before the build lock both
 * built into the same dist/ at once, so a worker could find dist/server.script.cjs and then have
 * it removed under it by the other instance's build (ENOENT at boot), or read a half-written map.
 */
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { get, makeApp, serve, type Served } from "../dev/support.js";

const files = {
  "src/routes/whoami.ts": 'import { get } from "tina4";\nget("/whoami", () => ({ pid: process.pid }));\n',
  "src/templates/pages/about.twig": "<h1>About {{ 'us' | upper }}</h1>\n",
};

let running: Served[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

/** Starts both at once; neither promise rejects before the other is recorded, so afterEach stops every one that started. */
async function startBoth(dir: string): Promise<Served[]> {
  const results = await Promise.allSettled([0, 1].map(() => serve(dir, ["--production", "--workers", "2"], { TINA4_SECRET: "s".repeat(32) })));
  running = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return running;
}

describe("two production instances starting together in one app folder", () => {
  it("build dist/ once between them; both serve it, and dist/ is complete (3 rounds)", async () => {
    const dir = makeApp(files);
    onTestFinished(() => rmSync(dirname(dir), { recursive: true, force: true }));
    for (let round = 1; round <= 3; round++) {
      rmSync(join(dir, "dist"), { recursive: true, force: true });
      const both = await startBoth(dir);
      const outputs = both.map((s) => s.output());
      // exactly one built; the other waited for it and then found dist/ fresh
      expect(outputs.filter((o) => o.includes("building dist/")), `round ${round}:\n${outputs.join("\n----\n")}`).toHaveLength(1);
      const other = outputs.find((o) => !o.includes("building dist/"))!;
      expect(other).not.toMatch(/built dist\//);
      console.log(`[round ${round}] the other instance ${/waiting for another build of dist\//.test(other) ? "waited for the build" : /built meanwhile/.test(other) ? "found dist/ built meanwhile" : "found dist/ fresh"}`);
      for (const served of both) {
        expect(served.output(), `round ${round}`).toMatch(/production server on http:\/\/0\.0\.0\.0:\d+ \(2 workers/);
        expect(served.output()).not.toMatch(/ENOENT|Error:/);
        for (let i = 0; i < 4; i++) {
          const hello = await get(`${served.url}/api/hello`, { headers: { connection: "close" } });
          expect(hello.status).toBe(200);
          expect(JSON.parse(hello.body)).toEqual({ message: "Hello from tina4!" });
          expect((await get(`${served.url}/whoami`, { headers: { connection: "close" } })).status).toBe(200);
        }
        expect((await get(`${served.url}/about`)).body).toContain("<h1>About US</h1>");
      }
      const dist = join(dir, "dist");
      const manifest = JSON.parse(readFileSync(join(dist, "manifest.json"), "utf8")) as { routes: Array<{ source: string }> };
      expect(manifest.routes.map((r) => r.source)).toEqual(expect.arrayContaining(["src/routes/api/hello/get.ts", "src/routes/whoami.ts"]));
      expect(readFileSync(join(dist, "server.mjs"), "utf8")).toContain("/whoami");
      expect(JSON.parse(readFileSync(join(dist, "server.mjs.map"), "utf8"))).toHaveProperty("mappings");
      expect(existsSync(join(dist, "server.script.cjs"))).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(join(dist, "templates.json"), "utf8")) as object).length).toBeGreaterThan(0);
      expect(await Promise.all(both.map((s) => s.stop()))).toEqual([0, 0]);
      running = [];
    }
  }, 180_000);
});
