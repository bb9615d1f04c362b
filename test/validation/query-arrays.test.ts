/**
 * A query parameter the OpenAPI document types as an array must accept what OpenAPI clients
 * send for it: `?tag=a` is the array ["a"] (style form, explode true), `?tag=a&tag=b` is
 * ["a","b"]. Before the fix the first answered 422 "expected array, received string", so a
 * client generated from /openapi.json failed whenever it sent one value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

let server: RunningServer & { app: App };

beforeAll(async () => {
  server = await startApp((app) => {
    app.get("/items", (req) => ({ query: req.query }), {
      schema: {
        query: z.object({
          tag: z.array(z.string().min(1)).optional(),
          ids: z.array(z.coerce.number().int()).default([]),
          status: z.array(z.enum(["open", "closed"])).min(1).nullable().optional(),
          either: z.union([z.string(), z.array(z.string())]).optional(),
          q: z.string().optional(),
        }),
      },
    });
  }, { dev: true });
});
afterAll(async () => server.close());

const query = async (search: string) => {
  const res = await fetch(`${server.url}/items${search}`);
  return { status: res.status, body: (await res.json()) as { query?: Record<string, unknown>; errors?: Array<{ path: string }> } };
};

describe("array query parameters", () => {
  it("the document types them as arrays", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, { get: { parameters: Array<{ name: string; schema: Record<string, unknown> }> } }> };
    const byName = Object.fromEntries(doc.paths["/items"]!.get.parameters.map((p) => [p.name, p.schema]));
    expect(byName.tag!.type).toBe("array");
    expect(byName.ids!.type).toBe("array");
  });

  it("one value is an array of one, as an OpenAPI client sends it", async () => {
    expect(await query("?tag=a&ids=7&status=open")).toEqual({ status: 200, body: { query: { tag: ["a"], ids: [7], status: ["open"] } } });
  });

  it("repeated values stay an array; absent ones keep their default", async () => {
    expect(await query("?tag=a&tag=b")).toEqual({ status: 200, body: { query: { tag: ["a", "b"], ids: [] } } });
  });

  it("what accepts a string still gets the string, and items are still validated", async () => {
    expect(await query("?either=x&q=y")).toEqual({ status: 200, body: { query: { either: "x", q: "y", ids: [] } } });
    const bad = await query("?ids=x&status=maybe");
    expect(bad.status).toBe(422);
    expect(bad.body.errors!.map((e) => e.path)).toEqual(["ids.0", "status.0"]);
  });

  it("a string parameter given twice is still a 422", async () => {
    const res = await query("?q=a&q=b");
    expect(res.status).toBe(422);
    expect(res.body.errors!.map((e) => e.path)).toEqual(["q"]);
  });
});
