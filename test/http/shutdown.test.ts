import { describe, expect, it } from "vitest";
import { request } from "node:http";
import { startApp } from "../support/http.js";
import { App } from "../../runtime/app.js";
import { listen } from "../../runtime/http/server.js";

describe("graceful close", () => {
  it("stops accepting, lets an in-flight request finish, and closes keep-alive sockets", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await startApp((app) => app.get("/slow", async () => {
      await gate;
      return { done: true };
    }));
    const inflight = fetch(`${server.url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${server.url}/__health`)).rejects.toThrow();
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.json()).toEqual({ done: true });
    expect(await closing).toEqual({ drained: true });
  });

  it("closes remaining connections after the shutdown timeout", async () => {
    const app = new App({ publicDir: null, dev: false });
    app.get("/never", () => new Promise(() => undefined));
    const server = await listen(app, { port: 0, shutdownTimeout: 0.3 });
    const pending = new Promise<string>((resolve) => {
      const req = request(`${server.url}/never`, (res) => resolve(`status ${res.statusCode}`));
      req.on("error", (error) => resolve(error.message));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    expect(await server.close()).toEqual({ drained: false });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
  });
});
