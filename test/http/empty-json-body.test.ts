/**
 * A JSON request with an empty body (Content-Type: application/json, Content-Length: 0; what
 * `fetch(url, { method: "POST", headers: { "content-type": "application/json" } })` sends) is a
 * request without a body, not malformed JSON (docs/http.md, "Request bodies"): `req.body` is
 * `undefined` and the route decides. A route with a body schema answers 422 naming the body as
 * missing; the schema is never skipped.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "../../runtime/index.js";
import { startApp } from "../support/http.js";

const servers: Array<{ close: () => Promise<unknown> }> = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function app() {
  const server = await startApp((app) => {
    app.post("/plain", (req) => ({ body: req.body === undefined ? "undefined" : req.body }), { secured: false });
    app.post("/orders", (req) => ({ qty: req.body.qty }), { secured: false, schema: { body: z.object({ qty: z.number().int() }) } });
    app.post("/optional", (req) => ({ note: req.body ?? "none" }), { secured: false, schema: { body: z.object({ note: z.string() }).optional() } });
  });
  servers.push(server);
  return server.url;
}

const emptyJson = { method: "POST", headers: { "content-type": "application/json", "content-length": "0" } } as const;

describe("an empty JSON body", () => {
  it("without a body schema: the route runs with req.body undefined", async () => {
    const url = await app();
    const res = await fetch(`${url}/plain`, emptyJson);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: "undefined" });
  });

  it("with a body schema: 422 JSON saying the body is missing, the handler does not run", async () => {
    const url = await app();
    const res = await fetch(`${url}/orders`, emptyJson);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await res.json()) as { error: string; errors: Array<{ in: string; path: string; message: string }> };
    expect(body.error).toBe("Validation failed");
    expect(body.errors).toEqual([{ in: "body", path: "", message: expect.stringMatching(/^Request body is required: it was empty or missing \(.*expected object/) }]);
  });

  it("with a schema that allows no body: the route runs", async () => {
    const url = await app();
    const res = await fetch(`${url}/optional`, emptyJson);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ note: "none" });
  });

  it("whitespace only is malformed JSON: 400 Invalid JSON body", async () => {
    const url = await app();
    const res = await fetch(`${url}/plain`, { method: "POST", headers: { "content-type": "application/json" }, body: "  " });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "Invalid JSON body" });
  });
});
