/**
 * `serve --production` over plain HTTP on an address that is not the machine itself (a VM's IP,
 * a Docker host name, http://blog.test): the session cookie is Secure there, so the browser
 * drops it — the login form answers 302, the next page is anonymous, and nothing anywhere said
 * why (reproduced with Chromium on http://blog.test mapped to 127.0.0.1). tina4 now warns once,
 * naming TINA4_SESSION_SECURE and HTTPS, the first time it sets a Secure session cookie on such
 * a request. Local addresses (browsers treat them as secure) and HTTPS behind a proxy do not warn.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { request } from "node:http";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { log } from "../../runtime/log.js";
import { session } from "../../runtime/session/middleware.js";

let server: RunningServer;
beforeAll(async () => {
  process.env.TINA4_SECRET ??= "secure-cookie-http-secret-0123456789abcdef";
  const app = new App({ publicDir: null, dev: false, templatesDir: null });
  app.use(session({ backend: "memory", secure: true }));
  app.post("/login", async (req) => {
    await req.session!.regenerate();
    req.session!.set("user", { sub: "1" });
    return { ok: true };
  }, { secured: false });
  server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
});
afterAll(async () => server.close());

/** A POST /login with this Host header (fetch cannot set Host). */
function login(headers: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/login", method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.headers["set-cookie"] ?? "")));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a Secure session cookie set over plain HTTP", () => {
  it("warns once, naming TINA4_SESSION_SECURE, for a host that is not local; not for local hosts or HTTPS behind a proxy", async () => {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    for (const host of ["localhost:7148", "127.0.0.1:7148", "[::1]:7148", "app.localhost"]) {
      expect(await login({ host }), host).toMatch(/; Secure/);
    }
    expect(await login({ host: "blog.example", "x-forwarded-proto": "https" })).toMatch(/; Secure/);
    expect(warn).not.toHaveBeenCalled();

    expect(await login({ host: "blog.test:7149" })).toMatch(/; Secure/);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain("TINA4_SESSION_SECURE");
    expect(message).toContain("blog.test");
    expect(message).toMatch(/HTTPS/);
    await login({ host: "10.1.2.3:7149" });
    expect(warn).toHaveBeenCalledTimes(1); // once per process
  });
});
