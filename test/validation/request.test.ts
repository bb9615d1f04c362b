import { afterEach, describe, expect, it } from "vitest";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";
import type { StandardSchema } from "../../runtime/validation/standard.js";
import type { Middleware } from "../../runtime/middleware/types.js";

// Write routes are secured by default (SPEC §10); these tests are about validation alone.
process.env.TINA4_SECURE_WRITES = "false";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

interface Failure {
  error: string;
  code: string;
  errors: Array<{ in: string; path: string; message: string }>;
  stack?: unknown;
}

async function json(res: Response): Promise<unknown> {
  return JSON.parse(await res.text()) as unknown;
}

const Item = z.object({ sku: z.string().min(1), price: z.number().positive() });
const Order = z.object({ customer: z.string().max(10), items: z.array(Item).min(1) });

describe("422 for each location", () => {
  it("body: every failing field, dotted paths, no stack even in dev", async () => {
    const server = await startApp((app) => app.post("/orders", (req) => ({ ok: true, body: req.body }), { schema: { body: Order } }), { dev: true });
    close = server.close;
    const res = await fetch(`${server.url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customer: "a much too long name", items: [{ sku: "A", price: 1 }, { sku: "", price: -2 }] }),
    });
    expect(res.status).toBe(422);
    const body = (await json(res)) as Failure;
    expect(body.error).toBe("Validation failed");
    expect(body.code).toBe("T4_ERR_VALIDATION_FAILED");
    expect(body.stack).toBeUndefined();
    expect(body.errors.map((e) => [e.in, e.path])).toEqual([
      ["body", "customer"],
      ["body", "items.1.sku"],
      ["body", "items.1.price"],
    ]);
    for (const error of body.errors) expect(error.message).toMatch(/\w/);
  });

  it("query, params and headers, all reported together", async () => {
    const server = await startApp((app) =>
      app.get("/users/{id}", () => "never", {
        schema: {
          params: z.object({ id: z.uuid() }),
          query: z.object({ page: z.coerce.number().int().min(1) }),
          headers: z.object({ "x-tenant": z.string().regex(/^t\d+$/) }),
        },
      }),
    );
    close = server.close;
    const res = await fetch(`${server.url}/users/not-a-uuid?page=zero`, { headers: { "x-tenant": "acme" } });
    expect(res.status).toBe(422);
    const body = (await json(res)) as Failure;
    expect(body.errors.map((e) => [e.in, e.path])).toEqual([
      ["params", "id"],
      ["query", "page"],
      ["headers", "x-tenant"],
    ]);
  });

  it("a missing body is one issue at the root of the body", async () => {
    const server = await startApp((app) => app.post("/x", () => "never", { schema: { body: Item } }));
    close = server.close;
    const res = await fetch(`${server.url}/x`, { method: "POST" });
    expect(res.status).toBe(422);
    expect(((await json(res)) as Failure).errors).toEqual([{ in: "body", path: "", message: expect.stringMatching(/object/) }]);
  });
});

describe("valid input", () => {
  it("is replaced by the parsed value: query strings coerced to numbers and booleans", async () => {
    const server = await startApp((app) =>
      app.get("/items", (req) => ({ query: req.query, types: [typeof req.query.page, typeof req.query.active] }), {
        schema: { query: z.object({ page: z.coerce.number().int().default(1), active: z.stringbool().optional() }) },
      }),
    );
    close = server.close;
    expect(await json(await fetch(`${server.url}/items?page=3&active=false`))).toEqual({ query: { page: 3, active: false }, types: ["number", "boolean"] });
    expect(await json(await fetch(`${server.url}/items`))).toEqual({ query: { page: 1 }, types: ["number", "undefined"] });
  });

  it("strips unknown body keys (z.object's default)", async () => {
    const server = await startApp((app) => app.post("/items", (req) => req.body, { schema: { body: Item } }));
    close = server.close;
    const res = await fetch(`${server.url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "A1", price: 2.5, isAdmin: true }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ sku: "A1", price: 2.5 });
  });

  it("types and merges validated headers, keeping the others readable", async () => {
    const server = await startApp((app) =>
      app.get("/h", (req) => ({ limit: req.headers["x-limit"], agent: req.headers["user-agent"] }), {
        schema: { headers: z.object({ "x-limit": z.coerce.number() }) },
      }),
    );
    close = server.close;
    expect(await json(await fetch(`${server.url}/h`, { headers: { "x-limit": "25", "user-agent": "probe" } }))).toEqual({ limit: 25, agent: "probe" });
  });
});

describe("order against the rest of the pipeline", () => {
  it("middleware runs first: an auth 401 wins over a 422", async () => {
    const auth: Middleware = async (req, res, next) => {
      if (req.headers.authorization !== "Bearer ok") return void res.json({ error: "Unauthorized" }, 401);
      await next();
    };
    const server = await startApp((app) => app.post("/secure", (req) => req.body, { schema: { body: Item }, middleware: [auth] }));
    close = server.close;
    const bad = JSON.stringify({ sku: 1 });
    const headers = { "content-type": "application/json" };
    expect((await fetch(`${server.url}/secure`, { method: "POST", body: bad, headers })).status).toBe(401);
    expect((await fetch(`${server.url}/secure`, { method: "POST", body: bad, headers: { ...headers, authorization: "Bearer ok" } })).status).toBe(422);
  });

  it("malformed JSON is a 400 from the body parser, not a 422", async () => {
    const server = await startApp((app) => app.post("/items", (req) => req.body, { schema: { body: Item } }));
    close = server.close;
    const res = await fetch(`${server.url}/items`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"sku": "A",' });
    expect(res.status).toBe(400);
    expect(((await json(res)) as Failure).error).toBe("Invalid JSON body");
  });

  it("an oversized body is a 413 before validation", async () => {
    const server = await startApp((app) => app.post("/items", (req) => req.body, { schema: { body: Item } }), { maxBody: 64 });
    close = server.close;
    const res = await fetch(`${server.url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "x".repeat(200), price: 1 }),
    });
    expect(res.status).toBe(413);
  });

  it("the old third-argument form (a middleware array) still works", async () => {
    const tag: Middleware = async (req, res, next) => {
      await next();
      res.header("x-tag", "yes");
    };
    const server = await startApp((app) => app.get("/old", () => ({ ok: true }), [tag]));
    close = server.close;
    const res = await fetch(`${server.url}/old`);
    expect(res.headers.get("x-tag")).toBe("yes");
  });
});

describe("other validators", () => {
  // A hand-made Standard Schema v1 object (no library): proves tina4 accepts any validator
  // implementing the standard (valibot, arktype...), not just zod, sync or async.
  function positiveInt(asynchronous: boolean): StandardSchema<unknown, { n: number }> {
    const check = (value: unknown) => {
      const n = Number((value as { n?: unknown } | null)?.n);
      return Number.isInteger(n) && n > 0 ? { value: { n } } : { issues: [{ message: "must be a positive integer", path: [{ key: "n" }] }] };
    };
    return { "~standard": { version: 1, vendor: "hand-made", validate: (value) => (asynchronous ? Promise.resolve(check(value)) : check(value)) } };
  }

  for (const asynchronous of [false, true]) {
    it(`accepts a non-zod Standard Schema (${asynchronous ? "async" : "sync"} validate)`, async () => {
      const server = await startApp((app) => app.get("/n", (req) => ({ n: req.query.n, type: typeof req.query.n }), { schema: { query: positiveInt(asynchronous) } }));
      close = server.close;
      expect(await json(await fetch(`${server.url}/n?n=7`))).toEqual({ n: 7, type: "number" });
      const res = await fetch(`${server.url}/n?n=-1`);
      expect(res.status).toBe(422);
      expect(((await json(res)) as Failure).errors).toEqual([{ in: "query", path: "n", message: "must be a positive integer" }]);
    });
  }
});

describe("response schemas", () => {
  async function withWarnings<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).includes("WARN")) warnings.push(String(chunk));
      return write(chunk as string, ...(rest as []));
    }) as typeof process.stderr.write;
    try {
      return { value: await fn(), warnings };
    } finally {
      process.stderr.write = write;
    }
  }
  const schema = { response: { 200: z.object({ id: z.number(), name: z.string() }) } };

  it("dev: a body that fails its response schema is sent as is and logs a warning naming route and field", async () => {
    const server = await startApp((app) => app.get("/things/{id:int}", (req) => ({ id: req.params.id, name: 42 }), { schema }), { dev: true });
    close = server.close;
    const { value, warnings } = await withWarnings(async () => {
      const res = await fetch(`${server.url}/things/5`);
      return { status: res.status, body: await json(res) };
    });
    expect(value).toEqual({ status: 200, body: { id: 5, name: 42 } });
    expect(warnings.join("")).toMatch(/GET \/things\/\{id:int\}.*response 200.*name: /);
  });

  it("dev: a matching body logs nothing; a status without a schema is not checked", async () => {
    const server = await startApp((app) => app.get("/ok/{id:int}", (req, res) => (req.params.id === 1 ? { id: 1, name: "a" } : res.json({ missing: true }, 404)), { schema }), { dev: true });
    close = server.close;
    const { warnings } = await withWarnings(async () => {
      await (await fetch(`${server.url}/ok/1`)).text();
      await (await fetch(`${server.url}/ok/2`)).text();
    });
    expect(warnings).toEqual([]);
  });

  it("production: response schemas are not checked", async () => {
    const server = await startApp((app) => app.get("/things/{id:int}", () => ({ id: "wrong" }), { schema }), { dev: false });
    close = server.close;
    const { warnings } = await withWarnings(async () => (await fetch(`${server.url}/things/1`)).text());
    expect(warnings).toEqual([]);
  });
});
