/**
 * One 422 answer (SPEC §9) whichever layer refuses the data: a route's schema, a model's own
 * validation in save()/create() that the route lets escape, and a guarded field sent to a
 * modelSchema body. Before, the model's answer listed {field, message} with T4_ERR_VALIDATION.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { Model } from "../../runtime/orm/model.js";
import { modelSchema } from "../../runtime/orm/schema.js";
import type { ModelFields } from "../../runtime/orm/fields.js";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

const require = createRequire(import.meta.url);
const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");

class Gadget extends Model {
  static override tableName = "gadgets";
  static override fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
    name: { type: "string", required: true, minLength: 2 },
    price: { type: "float", min: 0 },
    secret: { type: "string", guarded: true },
  };
}

let server: RunningServer & { app: App };
beforeAll(async () => {
  server = await startApp((app) => {
    // the model validates (no route schema): save() throws its ValidationError before any database is opened
    app.post("/model", async (req) => Gadget.create(req.body), { secured: false });
    app.post("/schema", async (req) => Gadget.create(req.body), { schema: { body: modelSchema(Gadget, "create") }, secured: false });
  }, { dev: true });
});
afterAll(async () => server.close());

type Failure = { error: string; code: string; requestId: string; errors: Array<{ in: string; path: string; message: string }> };
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Failure };
};

describe("every 422 has one shape", () => {
  it("a model's ValidationError answers the route schema's shape and code, each field a body issue", async () => {
    const bad = { name: "x", price: -1 };
    const model = await post("/model", bad);
    const schema = await post("/schema", bad);
    expect([model.status, schema.status]).toEqual([422, 422]);
    for (const { body } of [model, schema]) {
      expect(Object.keys(body).sort()).toEqual(["code", "error", "errors", "requestId"]);
      expect(body).toMatchObject({ error: "Validation failed", code: "T4_ERR_VALIDATION_FAILED" });
      expect(body.errors.map((e) => [e.in, e.path])).toEqual([["body", "name"], ["body", "price"]]);
    }
    expect(model.body.errors.map((e) => e.message)).toEqual(["must be at least 2 characters", "must be at least 0"]);
    // a body that is not an object: the body itself (path "")
    expect((await post("/model", [1, 2])).body.errors).toEqual([{ in: "body", path: "", message: "must be an object of field values" }]);
  });

  it("each answer matches the ValidationError schema /openapi.json documents; a guarded field is refused in it", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(Object.keys(doc.components.schemas.GadgetCreate!.properties!)).toEqual(["name", "price"]);
    const validate = new Ajv2020({ strict: false }).compile({ $ref: "#/components/schemas/ValidationError", components: doc.components });
    const answers = [await post("/model", { name: "" }), await post("/schema", { name: "" }), await post("/schema", { name: "Lamp", secret: "mine", id: 4 })];
    for (const answer of answers) expect(validate(answer.body), JSON.stringify(answer.body)).toBe(true);
    expect(answers[2]!.body.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "id: id is set by the server, not by a request: leave it out",
      "secret: secret is set by the server, not by a request: leave it out",
    ]);
  });
});
