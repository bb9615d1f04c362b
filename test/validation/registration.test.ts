import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { loadRouteFiles, type RouteFile } from "../../runtime/router/file-routes.js";
import { defineRoute } from "../../runtime/validation/define-route.js";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";

// Write routes are secured by default (SPEC §10); these tests are about validation alone.
process.env.TINA4_SECURE_WRITES = "false";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const file = (source: string, pattern: string): RouteFile => ({ source, absolute: `/app/${source}`, method: "POST", pattern });

async function loadModule(app: App, source: string, mod: Record<string, unknown>): Promise<void> {
  await loadRouteFiles(app, [file(source, "/orders")], async () => mod);
}

describe("schemas are checked at registration", () => {
  it("a value that is not zod / Standard Schema names the route and the key", () => {
    const app = new App({ publicDir: null });
    expect(() => app.post("/x", () => 1, { schema: { body: { type: "object" } } as never })).toThrow(
      expect.objectContaining({ code: "T4_ERR_VALIDATION_SCHEMA", message: expect.stringMatching(/POST \/x.*"body" is not a zod or Standard Schema v1 validator/) }),
    );
  });

  it("a typo'd key is an error, not silently ignored", () => {
    const app = new App({ publicDir: null });
    expect(() => app.post("/x", () => 1, { schema: { bdy: z.object({}) } as never })).toThrow(/unknown key "bdy"/);
  });

  it("response schemas: a validator or { status: validator }", () => {
    const app = new App({ publicDir: null });
    expect(() => app.get("/a", () => 1, { schema: { response: z.object({}) } })).not.toThrow();
    expect(() => app.get("/b", () => 1, { schema: { response: { 200: z.object({}), default: z.object({}) } } })).not.toThrow();
    expect(() => app.get("/c", () => 1, { schema: { response: { 20: z.object({}) } } as never })).toThrow(/"response" key "20" is not an HTTP status/);
    expect(() => app.get("/d", () => 1, { schema: { response: { 200: "text" } } as never })).toThrow(/"response.200" is not a zod/);
  });

  it("a file route's bad schema export names the file", async () => {
    const app = new App({ publicDir: null });
    await expect(loadModule(app, "src/routes/orders/post.ts", { default: () => 1, schema: { body: 42 } })).rejects.toThrow(
      expect.objectContaining({ code: "T4_ERR_ROUTE_FILE", message: expect.stringMatching(/^src\/routes\/orders\/post\.ts: .*"body" is not a zod/) }),
    );
    await expect(loadModule(app, "src/routes/orders/post.ts", { default: () => 1, schema: z.object({}) })).rejects.toThrow(/src\/routes\/orders\/post\.ts: .*must be an object like \{ body/);
  });
});

describe("file routes and defineRoute", () => {
  it("a file route's `schema` export validates its requests", async () => {
    const server = await startApp(() => undefined);
    close = server.close;
    await loadModule(server.app, "src/routes/orders/post.ts", { default: (req: { body: unknown }) => req.body, schema: { body: z.object({ qty: z.number().int() }) } });
    const post = (body: unknown) => fetch(`${server.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ qty: 2, extra: 1 })).status).toBe(200);
    expect(await (await post({ qty: 2, extra: 1 })).json()).toEqual({ qty: 2 });
    expect((await post({ qty: 1.5 })).status).toBe(422);
  });

  it("defineRoute carries schema, middleware and meta, as a file route's default export or a handler", async () => {
    const seen: string[] = [];
    const route = defineRoute({
      schema: { body: z.object({ name: z.string() }) },
      handler: (req) => ({ hello: req.body.name }),
      middleware: [async (_req, _res, next) => {
        seen.push("mw");
        await next();
      }],
      meta: { summary: "Greets" },
    });
    const server = await startApp((app) => app.post("/hello", route));
    close = server.close;
    await loadModule(server.app, "src/routes/orders/post.ts", { default: route });
    for (const path of ["/hello", "/orders"]) {
      const ok = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Ann"}' });
      expect(await ok.json()).toEqual({ hello: "Ann" });
      const bad = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":1}' });
      expect(bad.status).toBe(422);
    }
    expect(seen).toEqual(["mw", "mw", "mw", "mw"]);
    const infos = server.app.routes().filter((r) => r.source !== "tina4"); // built-ins: /__health, /__ready
    expect(infos.map((r) => [r.path, r.meta?.summary])).toEqual([["/hello", "Greets"], ["/orders", "Greets"]]);
  });

  it("defineRoute without a handler is a TypeError", () => {
    expect(() => defineRoute({} as never)).toThrow(TypeError);
  });
});

describe("z from tina4", () => {
  it("is zod 4, loaded on first use, with zod's JSON Schema conversion", () => {
    const schema = z.object({ n: z.number() });
    expect(schema.parse({ n: 1 })).toEqual({ n: 1 });
    expect(schema["~standard"].vendor).toBe("zod");
    expect("object" in z).toBe(true);
    expect(z.toJSONSchema(schema)).toMatchObject({ type: "object", properties: { n: { type: "number" } } });
  });
});
