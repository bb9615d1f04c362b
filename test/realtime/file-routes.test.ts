/**
 * `src/routes/<path>/ws.ts` files: discovered as WS routes at the folder's path (params,
 * typed params), handlers from named exports or a default object, `secured`/`options`
 * exports; bad exports fail with the file named; `tina4 routes` lists them as WS.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { App } from "../../runtime/app.js";
import { listen } from "../../runtime/http/server.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { makeApp } from "../dev/support.js";
import { runCli } from "../support/cli.js";
import { connect, refusal, wsUrl } from "./support.js";

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "t4-ws-files-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("ws.ts file routes", () => {
  it("register at the folder's path with typed params; named exports or a default object; secured export", async () => {
    const root = project({
      "src/routes/echo/[id:int]/ws.mjs": "export function open(socket) { socket.send({ id: socket.params.id }); }\nexport function message(socket, data) { socket.send('echo:' + data); }\n",
      "src/routes/obj/ws.mjs": "export default { open(socket) { socket.send('obj'); } };\n",
      "src/routes/private/ws.mjs": "export const secured = true;\nexport const options = { maxMessage: 10 };\nexport function open(socket) { socket.send('in'); }\n",
    });
    const files = discoverRouteFiles(root);
    expect(files.filter((f) => f.method === "WS").map((f) => [f.pattern, f.source])).toEqual([
      ["/echo/{id:int}", "src/routes/echo/[id:int]/ws.mjs"],
      ["/obj", "src/routes/obj/ws.mjs"],
      ["/private", "src/routes/private/ws.mjs"],
    ]);
    const app = new App({ publicDir: null, dev: false });
    await loadRouteFiles(app, files);
    expect(app.routes().filter((r) => r.method === "WS")).toEqual([
      { method: "WS", path: "/echo/{id:int}", source: "src/routes/echo/[id:int]/ws.mjs", middleware: [], secured: false },
      { method: "WS", path: "/obj", source: "src/routes/obj/ws.mjs", middleware: [], secured: false },
      { method: "WS", path: "/private", source: "src/routes/private/ws.mjs", middleware: [], secured: true },
    ]);
    const server = await listen(app, { port: 0 });
    closers.push(server.close);
    const echo = await connect(wsUrl(server.url, "/echo/5"));
    expect(await echo.next()).toBe('{"id":5}');
    echo.ws.send("x");
    expect(await echo.next()).toBe("echo:x");
    echo.ws.close();
    expect((await refusal(wsUrl(server.url, "/echo/abc"))).status).toBe(404);
    const obj = await connect(wsUrl(server.url, "/obj"));
    expect(await obj.next()).toBe("obj");
    obj.ws.close();
    expect((await refusal(wsUrl(server.url, "/private"))).status).toBe(401);
  });

  it("a ws.ts without handlers fails to load, naming the file", async () => {
    const root = project({ "src/routes/bad/ws.mjs": "export const nothing = 1;\n" });
    const app = new App({ publicDir: null, dev: false });
    await expect(loadRouteFiles(app, discoverRouteFiles(root))).rejects.toMatchObject({ code: "T4_ERR_WS_HANDLERS", message: expect.stringContaining("src/routes/bad/ws.mjs") });
    const wrongType = project({ "src/routes/bad/ws.mjs": "export const message = 'not a function';\n" });
    await expect(loadRouteFiles(new App({ publicDir: null }), discoverRouteFiles(wrongType))).rejects.toMatchObject({ code: "T4_ERR_ROUTE_FILE", message: expect.stringContaining('src/routes/bad/ws.mjs: WS /bad (src/routes/bad/ws.mjs): "message" must be a function') });
  });
});

describe("tina4 routes", () => {
  it("lists WS routes (table and --json)", () => {
    const dir = makeApp({ "src/routes/chat/[room]/ws.ts": 'import type { Socket } from "tina4";\nexport const secured = true;\nexport function message(socket: Socket, data: string | Buffer) { socket.send(data); }\n' });
    const json = runCli(["routes", "--json"], dir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toContainEqual({ method: "WS", path: "/chat/{room}", source: "src/routes/chat/[room]/ws.ts", middleware: [], secured: true });
    const table = runCli(["routes"], dir);
    expect(table.stdout).toMatch(/WS\s+\/chat\/\{room\}\s+yes\s+src\/routes\/chat\/\[room\]\/ws\.ts/);
  }, 60_000);
});
