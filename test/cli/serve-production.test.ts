import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { get, load, makeApp, serve, until, writeFile, type Served } from "../dev/support.js";

const files = {
  "src/routes/whoami.ts": 'import { get } from "tina4";\nget("/whoami", () => ({ pid: process.pid }));\n',
  "src/routes/slow/get.ts":
    'export default async () => {\n  console.log("slow request started");\n  await new Promise((resolve) => setTimeout(resolve, 1500));\n  return { slow: "done" };\n};\n',
};

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** The pid of the worker answering a new connection (the primary hands connections out in turn). */
const pidOf = async (url: string) => (JSON.parse((await get(`${url}/whoami`, { headers: { connection: "close" } })).body) as { pid: number }).pid;

describe("tina4 build + serve --production", () => {
  it("builds dist/ and starts from it; a stale dist/ is rebuilt with a message", async () => {
    const dir = makeApp(files);
    const built = runCli(["build"], dir);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/built dist\/server\.mjs \(3 route files/);
    const manifest = JSON.parse(readFileSync(join(dir, "dist", "manifest.json"), "utf8"));
    expect(manifest.routes).toContainEqual({ method: "GET", pattern: "/api/hello", source: "src/routes/api/hello/get.ts" });
    expect(readFileSync(join(dir, "dist", "server.mjs"), "utf8")).not.toMatch(/from "tina4"/);

    served = await serve(dir, ["--production", "--workers", "2"]);
    expect(served.output()).not.toContain("building dist/");
    expect(served.output()).toMatch(/production server on http:\/\/0\.0\.0\.0:\d+ \(2 workers/);
    expect(await (await fetch(`${served.url}/api/hello`)).json()).toEqual({ message: "Hello from tina4!" });
    expect((await get(`${served.url}/`)).body).not.toContain("tina4-live"); // never injected in production
    expect(await served.stop()).toBe(0);

    writeFile(dir, "src/routes/api/hello/get.ts", 'export default () => ({ message: "rebuilt" });\n');
    served = await serve(dir, ["--production", "--workers", "1"]);
    expect(served.output()).toMatch(/building dist\/ \(src\/routes\/api\/hello\/get\.ts changed\)/);
    expect((await get(`${served.url}/api/hello`)).body).toBe('{"message":"rebuilt"}');
  });

  it("respawns a worker killed with SIGKILL and keeps serving", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"]);
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(await pidOf(served.url));
    expect(pids.size).toBe(2);
    const victim = [...pids][0]!;
    const from = served.output().length;
    process.kill(victim, "SIGKILL");
    const [, replacement] = await served.waitFor(/worker (\d+) ready \(replaces a crashed worker\)/, 10_000, from);
    expect(served.output().slice(from)).toContain(`worker ${victim} killed by SIGKILL`);
    const after = new Set<number>();
    for (let i = 0; i < 6; i++) after.add(await pidOf(served.url));
    expect(after.has(victim)).toBe(false);
    expect(after.has(Number(replacement))).toBe(true);
    expect(served.child.exitCode).toBeNull();
  });

  it("lets a slow in-flight request finish on SIGTERM, then exits 0", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"]);
    const from = served.output().length;
    const slow = get(`${served.url}/slow`);
    await served.waitFor(/slow request started/, 10_000, from);
    served.child.kill("SIGTERM");
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{"slow":"done"}');
    expect(await served.exited).toBe(0);
    await expect(get(`${served.url}/api/hello`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("rolls the workers on SIGHUP under load with zero failed requests", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"]);
    const before = new Set<number>();
    for (let i = 0; i < 4; i++) before.add(await pidOf(served.url));
    let rolling = true;
    const traffic = load(`${served.url}/api/hello`, { minRequests: 1500, concurrency: 4, keepGoing: () => rolling, maxMs: 40_000 });
    const from = served.output().length;
    served.child.kill("SIGHUP");
    await served.waitFor(/rolling restart done/, 20_000, from);
    rolling = false;
    const report = await traffic;
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThanOrEqual(1500);
    const after = new Set<number>();
    for (let i = 0; i < 4; i++) after.add(await pidOf(served.url));
    expect(after.size).toBe(2);
    for (const pid of after) expect(before.has(pid)).toBe(false);
  });

  it("stops with a clear message and a non-zero exit when workers crash in a loop", async () => {
    const dir = makeApp({ "src/routes/crash/get.ts": 'export default () => { setImmediate(() => process.exit(3)); return "bye"; };\n' });
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_CRASH_LIMIT: "3" });
    for (let i = 0; i < 3; i++) {
      const from = served.output().length;
      await until(`${served.url}/crash`, (reply) => reply.status === 200);
      if (i < 2) await served.waitFor(/ready \(replaces a crashed worker\)/, 10_000, from);
    }
    expect(await served.exited).toBe(1);
    expect(served.output()).toMatch(/crash loop: 3 worker crashes within 60s .*exited with code 3/);
  });

  it("gives every worker the app's .env (the first one is forked before options are parsed)", async () => {
    const dir = makeApp({
      // a production start needs TINA4_SECRET: this .env replaces the one init wrote
      ".env": "TINA4_TEST_GREETING=from-dotenv\nTINA4_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
      "src/routes/env/get.ts": "export default () => ({ greeting: process.env.TINA4_TEST_GREETING, pid: process.pid });\n",
    });
    served = await serve(dir, ["--production", "--workers", "2"]);
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const reply = JSON.parse((await get(`${served.url}/env`, { headers: { connection: "close" } })).body) as { greeting: string; pid: number };
      expect(reply.greeting).toBe("from-dotenv");
      pids.add(reply.pid);
    }
    expect(pids.size).toBe(2);
  });

  it("exits 1 with the build error when dist/ is stale and does not build, leaving no worker behind", () => {
    const dir = makeApp({ "src/routes/broken/get.ts": "export default () => { return (\n" });
    // spawnSync waits for the output pipes: a worker left running would hold them open.
    const started = Date.now();
    const result = runCli(["serve", "--production", "--port", "0"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Build failed: src\/routes\/broken\/get\.ts:2/);
    expect(result.stdout).toContain("building dist/ (dist/ has no build)");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("runs the bundle's script form with a code cache, and the module when only the module behaves right", async () => {
    const dir = makeApp({ "src/routes/builtin/get.ts": 'import { basename } from "node:path";\nexport default () => ({ base: basename("/a/b.txt") });\n' });
    expect(runCli(["build"], dir).code).toBe(0);
    expect(existsSync(join(dir, "dist", "server.script.cjs"))).toBe(true);
    served = await serve(dir, ["--production", "--workers", "1"]);
    expect((await get(`${served.url}/builtin`)).body).toBe('{"base":"b.txt"}');
    for (let i = 0; i < 100 && !existsSync(join(dir, "dist", "server.script.cjs.cache")); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(join(dir, "dist", "server.script.cjs.cache"))).toBe(true);
    await served.stop();
    served = await serve(dir, ["--production", "--workers", "1"]); // from the cache
    expect((await get(`${served.url}/builtin`)).body).toBe('{"base":"b.txt"}');
    await served.stop();

    // A rebuild of exactly the same length (V8 compares only lengths) must not run the cached code.
    writeFile(dir, "src/routes/builtin/get.ts", 'import { basename } from "node:path";\nexport default () => ({ base: basename("/a/c.txt") });\n');
    served = await serve(dir, ["--production", "--workers", "1"]);
    expect((await get(`${served.url}/builtin`)).body).toBe('{"base":"c.txt"}');
    await served.stop();

    writeFile(dir, "src/routes/where/get.ts", "export default () => ({ url: import.meta.url });\n");
    served = await serve(dir, ["--production", "--workers", "1"]);
    expect(existsSync(join(dir, "dist", "server.script.cjs"))).toBe(false);
    expect(JSON.parse((await get(`${served.url}/where`)).body).url).toMatch(/\/dist\/server\.mjs$/);
  });

  it("refuses a bad worker count and a port in use", async () => {
    const dir = makeApp();
    const bad = runCli(["serve", "--production", "--workers", "zero"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid worker count "zero"');
    served = await serve(dir);
    const port = new URL(served.url).port;
    const clash = runCli(["serve", "--port", port], dir);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`Port ${port} is already in use`);
    expect(existsSync(join(dir, "node_modules", ".cache", "tina4", "dev", "server.mjs"))).toBe(true);
  });
});
