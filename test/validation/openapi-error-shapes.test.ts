/**
 * An app that answers errors its own way (app.onError) documents that shape by declaring it in
 * the route's response schema: `response: { 422: Problem, 401: Problem }`. Before the fix the
 * document replaced a declared 400, 401 or 422 with tina4's built-in shapes, so clients were
 * told `{"error","errors"}` while the server answered `{"ok":false,"problems":[...]}`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { z } from "../../runtime/validation/zod.js";
import { RequestValidationError } from "../../runtime/validation/errors.js";
import { HttpError } from "../../runtime/http/errors.js";
import { startApp } from "../support/http.js";
import { expectValidOpenApi } from "../openapi/validate.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

const require = createRequire(import.meta.url);
const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");

type Schema = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const Problem = z.object({ ok: z.literal(false), problems: z.array(z.string()) }).meta({ id: "Problem" });

let server: RunningServer & { app: App };
let doc: Doc;

beforeAll(async () => {
  server = await startApp((app) => {
    app.onError((error, _req, res) => {
      if (error instanceof RequestValidationError) res.status(422).json({ ok: false, problems: error.errors.map((e) => `${e.in}.${e.path}: ${e.message}`) });
      else if (error instanceof HttpError && error.status === 401) res.status(401).json({ ok: false, problems: ["sign in first"] });
    });
    app.post("/stock", () => ({ saved: true }), {
      schema: { body: z.object({ sku: z.string().min(3) }), response: { 200: z.object({ saved: z.boolean() }), 401: Problem, 422: Problem } },
    });
    app.post("/open", () => ({ saved: true }), {
      schema: { body: z.object({ sku: z.string().min(3) }), response: { 200: z.object({ saved: z.boolean() }), 422: Problem } },
      secured: false,
    });
    app.post("/plain", () => ({ saved: true }), { schema: { body: z.object({ sku: z.string() }) }, secured: false });
  }, { dev: true });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
});
afterAll(async () => server.close());

const documented = (path: string, status: string) => doc.paths[path]!.post!.responses[status]!;

describe("error answers declared in a route's response schema", () => {
  it("are documented as declared, not replaced by tina4's own shapes", async () => {
    await expectValidOpenApi(doc);
    expect(documented("/stock", "422").content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Problem" });
    expect(documented("/stock", "401").content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Problem" });
    // what the route does not declare keeps tina4's shapes
    expect(documented("/stock", "400").content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(documented("/plain", "422").content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/ValidationError" });
  });

  it("and the server's answers match what is documented", async () => {
    const ajv = new Ajv2020({ strict: false });
    const check = async (res: Response, path: string) => {
      const validate = ajv.compile({ ...documented(path, String(res.status)).content!["application/json"]!.schema, components: doc.components });
      const body: unknown = await res.json();
      expect(validate(body), `${path} ${res.status} ${JSON.stringify(body)}`).toBe(true);
    };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const unauthorized = await post("/stock", { sku: "ABC" });
    expect(unauthorized.status).toBe(401);
    await check(unauthorized, "/stock");
    const invalid = await post("/open", { sku: "x" });
    expect(invalid.status).toBe(422);
    await check(invalid, "/open");
  });
});
