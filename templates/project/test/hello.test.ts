import { afterAll, describe, expect, it } from "vitest";
import { testClient } from "tina4";

// testClient() boots this app in-process (route files, global middleware, templates) and
// sends requests through the whole pipeline without opening a port.
const client = await testClient();
afterAll(() => client.close());

describe("GET /api/hello", () => {
  it("answers with the greeting", async () => {
    const response = await client.get("/api/hello");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ message: "Hello from tina4!" });
  });

  it("answers 404 for a route that does not exist", async () => {
    const response = await client.get("/api/nope");
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: expect.any(String) });
  });
});
