/**
 * A file upload route documents its multipart body with `meta.requestBody`: the document
 * derived only `application/json` from `schema.body`, so an upload route was documented as a
 * JSON route without its file, and a client made from the document could not send the file.
 * The request made from the documented body reaches the server and is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "../../runtime/validation/zod.js";
import { startApp } from "../support/http.js";
import { expectValidOpenApi } from "../openapi/validate.js";
import type { RunningServer } from "../../runtime/http/server.js";
import type { App } from "../../runtime/app.js";

type Schema = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> } }>>;
}

const Fields = z.object({ title: z.string().min(1), count: z.coerce.number().int().optional() });

let server: RunningServer & { app: App };
let doc: Doc;

beforeAll(async () => {
  server = await startApp((app) => {
    app.post("/photos", (req, res) => res.json({ title: req.body.title, count: req.body.count ?? null, files: req.files.map((f) => [f.field, f.filename, f.size]) }, 201), {
      schema: { body: Fields },
      secured: false,
      meta: {
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: { type: "object", required: ["title", "photo"], properties: { title: { type: "string" }, count: { type: "integer" }, photo: { type: "string", contentMediaType: "image/png" } } },
            },
          },
        },
      },
    });
    app.post("/notes", (req) => req.body, { schema: { body: Fields }, secured: false });
  }, { dev: true });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
});
afterAll(async () => server.close());

describe("documenting an upload", () => {
  it("meta.requestBody is the documented body; routes without it keep the JSON body from the schema", async () => {
    await expectValidOpenApi(doc);
    const upload = doc.paths["/photos"]!.post!.requestBody!;
    expect(Object.keys(upload.content)).toEqual(["multipart/form-data"]);
    expect(upload.content["multipart/form-data"]!.schema.properties).toHaveProperty("photo");
    expect(Object.keys(doc.paths["/notes"]!.post!.requestBody!.content)).toEqual(["application/json"]);
  });

  it("the multipart request the document describes is accepted, fields validated, file in req.files", async () => {
    const properties = doc.paths["/photos"]!.post!.requestBody!.content["multipart/form-data"]!.schema.properties as Record<string, Schema>;
    const form = new FormData();
    for (const [name, property] of Object.entries(properties)) {
      if (property.contentMediaType) form.append(name, new Blob([Buffer.from("PNGDATA")], { type: String(property.contentMediaType) }), "cat.png");
      else form.append(name, property.type === "integer" ? "3" : "Cat");
    }
    const res = await fetch(`${server.url}/photos`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ title: "Cat", count: 3, files: [["photo", "cat.png", 7]] });
    const invalid = new FormData();
    invalid.append("title", "");
    expect((await fetch(`${server.url}/photos`, { method: "POST", body: invalid })).status).toBe(422);
  });
});
