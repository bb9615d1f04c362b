import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { get, load, makeApp, serve, until, writeFile, type Served } from "./support.js";

const route = (version: string) => `import type { Request } from "tina4";\nexport default (_req: Request) => ({ version: "${version}" });\n`;

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

describe("tina4 serve (dev)", () => {
  it("reloads under continuous load with zero failed requests", async () => {
    const dir = makeApp({ "src/routes/version/get.ts": route("v0") });
    served = await serve(dir);
    const url = `${served.url}/version`;
    expect((await get(url)).body).toBe('{"version":"v0"}');

    let editing = true;
    const traffic = load(url, { minRequests: 1500, concurrency: 4, keepGoing: () => editing, maxMs: 40_000 });
    for (let n = 1; n <= 4; n++) {
      const from = served.output().length;
      writeFile(dir, "src/routes/version/get.ts", route(`v${n}`));
      await served.waitFor(/reloaded/, 10_000, from);
      await until(url, (reply) => reply.body === `{"version":"v${n}"}`);
    }
    editing = false;
    const report = await traffic;

    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThanOrEqual(1500);
    // the traffic saw the old and the new code, each answer complete
    expect([...report.bodies.keys()].sort()).toEqual(expect.arrayContaining(['{"version":"v0"}', '{"version":"v4"}']));
    for (const body of report.bodies.keys()) expect(body).toMatch(/^\{"version":"v[0-4]"\}$/);
    expect(served.output().match(/reloaded/g)).toHaveLength(4);
  });

  it("keeps serving through a broken file with an error page, and recovers when it is fixed", async () => {
    const dir = makeApp({ "src/routes/thing/get.ts": route("good") });
    served = await serve(dir);
    const thing = `${served.url}/thing`;
    expect((await get(thing)).body).toBe('{"version":"good"}');

    // a syntax error: the build fails, the running worker answers with the error
    const from = served.output().length;
    writeFile(dir, "src/routes/thing/get.ts", 'export default () => {\n  return { version: "x" ;\n};\n');
    const api = await until(thing, (reply) => reply.status === 500);
    expect(api.headers["content-type"]).toContain("application/json");
    expect(JSON.parse(api.body)).toMatchObject({ code: "T4_ERR_DEV_LOAD", file: "src/routes/thing/get.ts", line: 2, message: expect.stringContaining('Expected "}"') });
    const page = await get(`${served.url}/api/hello`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(500);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("src/routes/thing/get.ts:2:");
    expect(page.body).toContain("data-tina4-live"); // the page reloads itself once fixed
    await served.waitFor(/could not load the app: src\/routes\/thing\/get\.ts:2/, 5_000, from);

    // a module that throws while it loads: same, with the .ts line from the source map
    writeFile(dir, "src/routes/thing/get.ts", 'const ready = false;\nif (!ready) throw new Error("database not configured");\nexport default () => "never";\n');
    const thrown = await until(thing, (reply) => reply.body.includes("database not configured")).catch((error: Error) => {
      throw new Error(`${error.message}\n--- serve output ---\n${served!.output()}`);
    });
    expect(JSON.parse(thrown.body)).toMatchObject({ file: "src/routes/thing/get.ts", line: 2, message: "database not configured" });

    // fixed: recovered without a restart, same process and port
    writeFile(dir, "src/routes/thing/get.ts", route("fixed"));
    expect((await until(thing, (reply) => reply.status === 200)).body).toBe('{"version":"fixed"}');
    expect((await get(`${served.url}/api/hello`)).status).toBe(200);
    expect(served.child.exitCode).toBeNull();
  });

  it("an import of a package not installed yet loads once `npm install` adds it (node_modules, then package.json)", async () => {
    const dir = makeApp({ "src/routes/pad/get.ts": 'import pad from "tiny-pad";\nexport default () => ({ padded: pad("7") });\n' });
    served = await serve(dir);
    const pad = `${served.url}/pad`;
    const missing = await get(pad);
    expect(missing.status).toBe(500);
    expect(JSON.parse(missing.body)).toMatchObject({ message: "Cannot find package 'tiny-pad': run `npm install tiny-pad`", file: "src/routes/pad/get.ts", line: 1 });
    // what npm does: the package lands in node_modules first, package.json is rewritten last
    writeFile(dir, "node_modules/tiny-pad/package.json", JSON.stringify({ name: "tiny-pad", version: "1.0.0", type: "module", main: "index.js" }));
    writeFile(dir, "node_modules/tiny-pad/index.js", 'export default (text) => text.padStart(3, "0");\n');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the once-a-second re-check sees the same bundle: no reload from it
    expect((await get(pad)).status).toBe(500);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies["tiny-pad"] = "^1.0.0";
    writeFile(dir, "package.json", JSON.stringify(manifest, null, 2));
    expect((await until(pad, (reply) => reply.status === 200)).body).toBe('{"padded":"007"}');
    expect(served.child.exitCode).toBeNull();
  });

  it("starts on broken code with the error page, then serves once fixed", async () => {
    const dir = makeApp({ "src/routes/thing/get.ts": "export default () => ;\n" });
    served = await serve(dir);
    expect(served.output()).toContain("shows the error above");
    const broken = await get(`${served.url}/thing`);
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.body)).toMatchObject({ file: "src/routes/thing/get.ts", line: 1 });
    writeFile(dir, "src/routes/thing/get.ts", route("ok"));
    expect((await until(`${served.url}/thing`, (reply) => reply.status === 200)).body).toBe('{"version":"ok"}');
  });

  it("injects the live-reload client into HTML only, and pushes reload and CSS events", async () => {
    const dir = makeApp({
      "public/css/site.css": "body{color:red}\n",
      "src/routes/page/get.ts": 'export default () => "<!doctype html><html><body><h1>hi</h1></body></html>";\n',
    });
    served = await serve(dir);
    const page = await get(`${served.url}/page`);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toMatch(/<h1>hi<\/h1><script data-tina4-live>.*<\/script><\/body><\/html>$/);
    expect(Number(page.headers["content-length"])).toBe(Buffer.byteLength(page.body));
    const index = await get(`${served.url}/`); // a static file, streamed from public/
    expect(index.body).toContain("data-tina4-live");
    expect(Number(index.headers["content-length"])).toBe(Buffer.byteLength(index.body));
    expect((await get(`${served.url}/api/hello`)).body).not.toContain("tina4-live");
    expect((await get(`${served.url}/css/site.css`)).body).toBe("body{color:red}\n");

    const events: string[] = [];
    let notify = () => undefined as void;
    const stream = request(`${served.url}/__tina4/live`, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        for (const match of chunk.matchAll(/event: (\w+)\ndata: (.*)\n/g)) events.push(`${match[1]} ${match[2]}`);
        notify();
      });
    });
    stream.end();
    const next = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${prefix}" event; got ${events.join(", ")}`)), 10_000);
        notify = () => {
          const hit = events.find((event) => event.startsWith(prefix));
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          }
        };
        notify();
      });
    try {
      await next("hello");
      writeFile(dir, "public/css/site.css", "body{color:blue}\n");
      expect(await next("css")).toBe("css /css/site.css");
      expect(events).not.toContain("reload ");
      writeFile(dir, "src/routes/page/get.ts", 'export default () => "<html><body>v2</body></html>";\n');
      await next("reload"); // sent by the retiring worker once the new one serves
    } finally {
      stream.destroy();
    }
  });
});
