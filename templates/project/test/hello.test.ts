import { describe, expect, it } from "vitest";
import { App, listen } from "tina4";
import hello from "../src/routes/api/hello/get";

describe("GET /api/hello", () => {
  it("answers with the greeting", async () => {
    const app = new App({ publicDir: null });
    app.get("/api/hello", hello);
    const server = await listen(app, { port: 0 });
    try {
      const response = await fetch(`${server.url}/api/hello`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: "Hello from tina4!" });
    } finally {
      await server.close();
    }
  });
});
