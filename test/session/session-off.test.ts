/**
 * `req.session` on a route without sessions: a typed error naming how to turn them on
 * (T4_ERR_AUTH_NO_SESSION), not "Cannot read properties of undefined" from `req.session!.get`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { session } from "../../runtime/session/middleware.js";
import { AuthError, AuthErrorCode } from "../../runtime/auth/errors.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(configure: (app: App) => void, dev = true): Promise<string> {
  const app = new App({ publicDir: null, dev, templatesDir: null });
  configure(app);
  server = await listen(app, { port: 0, host: "127.0.0.1" });
  return server.url;
}

describe("req.session without sessions", () => {
  it("req.session!.get() answers 500 whose (dev) message names use(session()) and TINA4_SESSION=true", async () => {
    const url = await start((app) => app.get("/cart", (req) => ({ cart: req.session!.get("cart") ?? [] })));
    const response = await fetch(`${url}/cart`, { headers: { accept: "application/json" } });
    expect(response.status).toBe(500);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.message).toContain("req.session: sessions are off on this route");
    expect(body.message).toContain("use(session())");
    expect(body.message).toContain("TINA4_SESSION=true");
    expect(JSON.stringify(body)).not.toContain("Cannot read properties");
  });

  it("the error is an AuthError with code T4_ERR_AUTH_NO_SESSION; req.hasSession says false", async () => {
    const url = await start((app) =>
      app.get("/probe", (req) => {
        try {
          req.session.get("x");
          return { thrown: null };
        } catch (error) {
          return { thrown: error instanceof AuthError ? error.code : String(error), hasSession: req.hasSession };
        }
      }),
    );
    expect(await (await fetch(`${url}/probe`)).json()).toEqual({ thrown: AuthErrorCode.NO_SESSION, hasSession: false });
  });

  it("with session() the same code reads and writes the session", async () => {
    const url = await start((app) => {
      app.use(session({ backend: "memory" }));
      app.get("/count", (req) => {
        const count = (req.session.get<number>("count") ?? 0) + 1;
        req.session.set("count", count);
        return { count, hasSession: req.hasSession };
      });
    });
    const first = await fetch(`${url}/count`);
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    expect(await first.json()).toEqual({ count: 1, hasSession: true });
    expect(await (await fetch(`${url}/count`, { headers: { cookie } })).json()).toEqual({ count: 2, hasSession: true });
  });

  it("routes that never read it are unaffected: public GETs, secured writes (401) and req.csrfToken()'s own message", async () => {
    const url = await start((app) => {
      app.get("/open", () => ({ ok: true }));
      app.post("/write", () => ({ ok: true }));
      app.get("/token", (req) => {
        try {
          return { token: req.csrfToken() };
        } catch (error) {
          return { code: (error as AuthError).code, message: (error as Error).message };
        }
      });
    });
    expect(await (await fetch(`${url}/open`)).json()).toEqual({ ok: true });
    expect((await fetch(`${url}/write`, { method: "POST" })).status).toBe(401);
    const token = (await (await fetch(`${url}/token`)).json()) as { code: string; message: string };
    expect(token.code).toBe(AuthErrorCode.NO_SESSION);
    expect(token.message).toContain("req.csrfToken()");
    expect(token.message).toContain("use(session())");
  });
});
