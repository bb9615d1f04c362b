/** The OpenAPI document marks secured operations (Bearer or session cookie, 401) and leaves public ones alone. */
import { describe, expect, it } from "vitest";
import { App } from "../../runtime/index.js";
import { buildOpenApiDocument } from "../../runtime/openapi/document.js";

describe("OpenAPI security", () => {
  it("secured operations name bearerAuth or sessionCookie and document 401; public ones do not", () => {
    const app = new App({ publicDir: null });
    app.get("/items", () => []);
    app.post("/items", () => ({}));
    app.post("/contact", () => ({}), { secured: false });
    app.get("/me", () => ({}), { secured: true });
    app.any("/hook", () => ({}));
    const doc = buildOpenApiDocument(app) as unknown as { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>; components: { securitySchemes?: Record<string, unknown> } };
    const either = [{ bearerAuth: [] }, { sessionCookie: [] }];
    expect(doc.paths["/items"]!.post!.security).toEqual(either);
    expect(doc.paths["/items"]!.post!.responses["401"]).toBeDefined();
    expect(doc.paths["/items"]!.get!.security).toBeUndefined();
    expect(doc.paths["/items"]!.get!.responses["401"]).toBeUndefined();
    expect(doc.paths["/contact"]!.post!.security).toBeUndefined();
    expect(doc.paths["/me"]!.get!.security).toEqual(either);
    expect(doc.paths["/hook"]!.get!.security).toBeUndefined();
    expect(doc.paths["/hook"]!.delete!.security).toEqual(either);
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      sessionCookie: { type: "apiKey", in: "cookie", name: "tina4_session" },
    });
  });

  it("an app with no secured route declares no security schemes", () => {
    const app = new App({ publicDir: null });
    app.get("/a", () => 1);
    const doc = buildOpenApiDocument(app) as unknown as { components: { securitySchemes?: unknown } };
    expect(doc.components.securitySchemes).toBeUndefined();
  });
});
