/**
 * /openapi.json describes what the server really accepts and answers: for an app with unions,
 * enums, optional/nullable fields, arrays of objects, dates and patterned path parameters, one
 * request per operation is generated from the document alone, sent to the running server,
 * and its answer is checked against the documented status and response schema (ajv, JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1).
 *
 * Query booleans (z.stringbool()) are documented with the texts they accept and coerced dates
 * (z.coerce.date()) as date-time text: they were a bare string and "any value", so a client
 * made from the document sent text the server refused.
 *
 * Before the fix, response schemas were documented in zod's "output" form: a z.object() got
 * `additionalProperties: false` and a `.default()` field was `required`, but tina4 sends what
 * the handler returned (the dev check parses it without changing it), so answers with a
 * record's other columns, or without a defaulted field, broke the documented contract.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";
import { expectValidOpenApi } from "../openapi/validate.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

process.env.TINA4_SECURE_WRITES = "false"; // about the document, not auth

const Line = z.object({
  sku: z.string().regex(/^[A-Z]{3}-\d{4}$/),
  qty: z.number().int().min(1),
  location: z.string().nullable(),
  lot: z.string().optional(),
});
const Movement = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("in"), supplier: z.string() }),
  z.object({ kind: z.literal("out"), customer: z.string(), priority: z.enum(["low", "normal", "high"]).default("normal") }),
]);
const Warehouse = z.object({ code: z.string(), status: z.enum(["open", "closed"]).default("open"), manager: z.string().nullable() }).meta({ id: "Warehouse" });

let server: RunningServer & { app: App };
let doc: Doc;

beforeAll(async () => {
  server = await startApp((app) => {
    // the row as the database gives it: more columns than the response schema names, no status
    app.get("/warehouses/{code}", (req) => ({ code: req.params.code, manager: null, id: 7, created_at: "2026-01-01" }), {
      schema: {
        params: z.object({ code: z.string().regex(/^[A-Z]{2}\d{2}$/) }),
        query: z.object({ status: z.enum(["open", "closed"]).optional(), limit: z.coerce.number().int().max(50).default(10) }),
        response: { 200: Warehouse, 404: z.object({ error: z.string() }) },
      },
    });
    // booleans and dates in a query: text the schema turns into a boolean / a Date
    app.get("/reports", (req) => ({ dryRun: req.query.dryRun, since: req.query.since?.toISOString() ?? null }), {
      schema: {
        query: z.object({ dryRun: z.stringbool().default(false), verbose: z.stringbool({ truthy: ["si"], falsy: ["no"] }).optional(), since: z.coerce.date().optional() }),
        response: z.object({ dryRun: z.boolean(), since: z.string().nullable() }),
      },
    });
    app.get("/warehouses", () => [{ code: "AB12", status: "closed", manager: "Ann", region: "north" }], { schema: { response: z.array(Warehouse) } });
    app.post("/movements/{id:int}", (req, res) => res.json({ id: req.params.id, lines: req.body.lines.length, kind: req.body.movement.kind, at: req.body.when.toISOString() }, 201), {
      schema: {
        body: z.object({
          movement: Movement,
          lines: z.array(Line).min(1),
          when: z.iso.datetime().transform((text) => new Date(text)),
          ref: z.union([z.string(), z.number().int()]),
          note: z.string().max(50).nullable().optional(),
        }),
        headers: z.object({ "x-tenant": z.string().min(2) }),
        response: { 201: z.object({ id: z.number().int(), lines: z.number(), kind: z.enum(["in", "out"]), at: z.string() }) },
      },
    });
  }, { dev: true });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
});
afterAll(async () => server.close());

/** Follows a local $ref. */
function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  return resolve(ref.split("/").slice(1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, doc as unknown as Record<string, unknown>) as Schema);
}

/** A value the schema describes, made from the schema alone (the first choice of every choice). */
function sample(input: Schema, name = ""): unknown {
  const schema = resolve(input);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const choices = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (choices) return sample(choices.find((choice) => resolve(choice).type !== "null") ?? choices[0]!, name);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Schema>).map(([key, value]) => [key, sample(value, key)]));
    case "array":
      return Array.from({ length: Math.max(1, Number(schema.minItems ?? 1)) }, () => sample(schema.items as Schema, name));
    case "integer":
    case "number":
      return Math.max(Number(schema.minimum ?? 1), 1);
    case "boolean":
      return true;
    case "string":
      if (schema.format === "date-time") return "2026-01-02T03:04:05Z";
      if (typeof schema.pattern === "string") return { "^[A-Z]{3}-\\d{4}$": "ABC-1234", "^[A-Z]{2}\\d{2}$": "AB12" }[schema.pattern] ?? `${name}-1`;
      return `${name}-1`;
    default:
      return name;
  }
}

// ajv (2020-12 dialect) comes with @seriousme/openapi-schema-validator; CommonJS, so required
const require = createRequire(import.meta.url);
const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
const addFormats = (require("ajv-formats") as typeof import("ajv-formats")).default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

/** Sends the request the document describes; returns the status and whether the answer matches. */
async function exercise(path: string, method: string, operation: Operation): Promise<{ status: number; documented: boolean; errors: unknown }> {
  let url = path;
  const search = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of operation.parameters ?? []) {
    const value = sample(parameter.schema, parameter.name);
    if (parameter.in === "path") url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    else if (parameter.in === "query") for (const item of [value].flat()) search.append(parameter.name, String(item));
    else if (parameter.in === "header") headers[parameter.name] = String(value);
  }
  let body: string | undefined;
  if (operation.requestBody) {
    const [type, media] = Object.entries(operation.requestBody.content)[0]!;
    headers["content-type"] = type;
    body = JSON.stringify(sample(media.schema));
  }
  const query = search.toString();
  const res = await fetch(`${server.url}${url}${query ? `?${query}` : ""}`, { method: method.toUpperCase(), headers, body });
  const status = res.status;
  const answer = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
  const schema = answer?.content?.["application/json"]?.schema;
  if (!answer) return { status, documented: false, errors: "status not documented" };
  if (!schema) return { status, documented: true, errors: null };
  const validate = ajv.compile({ ...schema, $defs: undefined, components: doc.components, $id: `${method}${path}` } as Schema);
  // component $refs point at #/components/schemas/…: give the compiled schema the same components
  const ok = validate(await res.json());
  return { status, documented: ok, errors: validate.errors };
}

describe("/openapi.json matches the server", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    await expectValidOpenApi(doc);
  });

  it("every operation: the request made from the document succeeds and its answer matches the documented schema", async () => {
    const results: Array<[string, number, boolean, unknown]> = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const { status, documented, errors } = await exercise(path, method, operation);
        results.push([`${method.toUpperCase()} ${path}`, status, documented, errors]);
      }
    }
    expect(results.map(([name]) => name).sort()).toEqual(["GET /reports", "GET /warehouses", "GET /warehouses/{code}", "POST /movements/{id}"]);
    for (const [name, status, documented, errors] of results) {
      expect(status, name).toBeLessThan(300);
      expect(documented, `${name}: ${JSON.stringify(errors)}`).toBe(true);
    }
  });
});
