/**
 * Instances behind a load balancer without TINA4_TRUSTED_PROXIES: every request's socket peer is
 * the balancer, so req.ip is its address for every client — rateLimit() and loginThrottle()'s
 * per-IP ceiling count the whole site as one client (one client's failed logins lock everybody
 * out) and the logs show one address. Nothing said so. tina4 now warns once per process, at
 * the first request whose X-Forwarded-For it ignores because no proxy is trusted, naming the
 * peer and TINA4_TRUSTED_PROXIES. No warning without the header, nor when proxies are configured.
 * Real HTTP, a new connection per request.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { log } from "../../runtime/log.js";
import { rateLimit } from "../../runtime/middleware/rate-limit.js";
import { freshRequest } from "../support/fresh-request.js";

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  vi.restoreAllMocks();
});

async function serve(trustedProxies: string[]): Promise<string> {
  const app = new App({ publicDir: null, dev: false, templatesDir: null, trustedProxies });
  app.get("/limited", () => ({ ok: true }), { middleware: [rateLimit({ name: `untrusted-${Math.random()}`, limit: 2, windowSeconds: 60, backend: "memory" })] });
  app.get("/ip", (req) => ({ ip: req.ip }));
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  return `http://127.0.0.1:${server.port}`;
}

describe("X-Forwarded-For from a proxy that TINA4_TRUSTED_PROXIES does not list", () => {
  it("with proxies configured (first: the warning is once per process): no warning (a listed proxy is believed, any other peer's header ignored as documented)", async () => {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const base = await serve(["10.0.0.0/8"]);
    expect((await freshRequest(`${base}/ip`, { headers: { "x-forwarded-for": "203.0.113.7" } })).json()).toEqual({ ip: "127.0.0.1" });
    expect(warn).not.toHaveBeenCalled();
  });
  it("with none configured: warns once, naming the peer and TINA4_TRUSTED_PROXIES (the rate limit counts every client as the proxy)", async () => {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const base = await serve([]);
    expect((await freshRequest(`${base}/ip`)).json()).toEqual({ ip: "127.0.0.1" });
    expect(warn).not.toHaveBeenCalled();

    // two different clients behind one balancer share one budget: what the warning is about
    const statuses = [];
    for (const client of ["203.0.113.7", "198.51.100.9", "192.0.2.44"]) {
      statuses.push((await freshRequest(`${base}/limited`, { headers: { "x-forwarded-for": client } })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain("TINA4_TRUSTED_PROXIES");
    expect(message).toContain("127.0.0.1");
    expect(message).toMatch(/rateLimit\(\)/);
    expect((await freshRequest(`${base}/ip`, { headers: { "x-forwarded-for": "203.0.113.7" } })).json()).toEqual({ ip: "127.0.0.1" });
    expect(warn).toHaveBeenCalledTimes(1); // once per process
  });

});
