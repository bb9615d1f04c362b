import { afterEach, describe, expect, it } from "vitest";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { get, makeApp, serve, until, writeFile, type Served } from "./support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** Issue 12 item 20: what the terminal shows while a person works. */
describe("tina4 serve (dev): the terminal log", () => {
  it("logs one line per request (time, method, target, status, ms, request id)", async () => {
    const dir = makeApp();
    served = await serve(dir);
    await served.waitFor(/request log on \(--quiet: off\)/);
    const from = served.output().length;
    const hello = await get(`${served.url}/api/hello?name=ann`);
    await get(`${served.url}/missing`);
    const [line] = await served.waitFor(/^\d\d:\d\d:\d\d GET \/api\/hello\?name=ann 200 \d+(\.\d)? ms \S+$/m, 5_000, from);
    expect(line).toContain(String(hello.headers["x-request-id"]));
    await served.waitFor(/^\d\d:\d\d:\d\d GET \/missing 404 \d+(\.\d)? ms/m, 5_000, from);
    // the live-reload stream is not a request worth a line
    expect(served.output().slice(from)).not.toContain("/__tina4/live");
  });

  it("logs nothing per request with --quiet", async () => {
    const dir = makeApp();
    served = await serve(dir, ["--quiet"]);
    await served.waitFor(/request log off/);
    const from = served.output().length;
    for (let i = 0; i < 3; i++) expect((await get(`${served.url}/api/hello`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(served.output().slice(from)).not.toMatch(/GET \/api\/hello/);
  });

  it("neither reloads for nor names the temp files editors write while saving", async () => {
    const dir = makeApp({ "src/routes/page/get.ts": 'export default () => "one";\n' });
    served = await serve(dir, ["--quiet"]);
    await served.waitFor(/Ctrl-C to stop/);
    const from = served.output().length;
    const folder = join(dir, "src", "routes", "page");
    for (const name of ["4913", ".get.ts.swp", "get.ts~", "get.ts.tmp"]) writeFileSync(join(folder, name), "export default () => { syntax error\n");
    symlinkSync("ann@host.4242:1700000000", join(folder, ".#get.ts")); // Emacs's lock: a dangling symlink
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(served.output().slice(from)).toBe(""); // no reload, no error, no mention

    writeFile(dir, "src/routes/page/get.ts", 'export default () => "two";\n');
    writeFileSync(join(folder, "4913"), "");
    const [line] = await served.waitFor(/reloaded \([^)]*\)/, 10_000, from);
    expect(line).toContain("reloaded (src/routes/page/get.ts;");
    expect((await until(`${served.url}/page`, (reply) => reply.body === "two")).status).toBe(200);
    expect(served.output().slice(from)).not.toMatch(/4913|\.swp|\.tmp|~|\.#/);
  });
});
