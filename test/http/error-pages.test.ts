/**
 * Custom error pages, as docs/http.md shows them (`app.onError` answering HTML for browsers,
 * `app.notFound`): a server error a hook answers is still logged with its message and stack,
 * and a 404 page sees the logged-in user like any other page (the nav keeps saying
 * "signed in as …" instead of offering to log in again).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp } from "../support/http.js";
import { HttpError } from "../../runtime/http/errors.js";
import { log } from "../../runtime/log.js";
import { session } from "../../runtime/session/middleware.js";

let close: (() => Promise<unknown>) | undefined;
beforeAll(() => {
  process.env.TINA4_SECRET ??= "error-pages-test-secret-0123456789abcdef";
});
afterEach(async () => {
  await close?.();
  close = undefined;
  vi.restoreAllMocks();
});

/** The onError hook of docs/http.md ("one page for every error"): a hook that answers wins over tina4's own error pages. */
function htmlErrors(app: Parameters<Parameters<typeof startApp>[0]>[0]): void {
  app.onError((error, req, res) => {
    if (!req.header("accept")?.includes("text/html")) return;
    const status = error instanceof HttpError ? error.status : 500;
    res.status(status).html(`<h1>${status}</h1>`);
  });
}

describe("an onError hook that answers", () => {
  it("still logs a server error with its message and stack (500 and 503)", async () => {
    const logged = vi.spyOn(log, "error").mockImplementation(() => undefined);
    const server = await startApp((app) => {
      app.get("/boom", () => {
        throw new Error("kaboom in the handler");
      });
      app.get("/down", () => {
        throw new HttpError(503, "Upstream down", { cause: new Error("connect ECONNREFUSED 10.9.9.9:5432") });
      });
      htmlErrors(app);
    });
    close = server.close;
    const page = await fetch(`${server.url}/boom`, { headers: { accept: "text/html" } });
    expect([page.status, await page.text()]).toEqual([500, "<h1>500</h1>"]);
    const lines = logged.mock.calls.map((call) => String(call[0]));
    const line = lines.find((text) => text.includes("kaboom in the handler"));
    expect(line, lines.join("\n")).toBeDefined();
    expect(line).toContain("GET /boom → 500");
    expect(line).toContain(page.headers.get("x-request-id"));
    expect(line).toMatch(/at .*error-pages\.test\.ts/); // the stack, to find the line at fault

    const down = await fetch(`${server.url}/down`, { headers: { accept: "text/html" } });
    expect(down.status).toBe(503);
    expect(logged.mock.calls.map((call) => String(call[0])).join("\n")).toContain("ECONNREFUSED");
  });

  it("does not log client errors it answers, nor errors it leaves to tina4 twice", async () => {
    const logged = vi.spyOn(log, "error").mockImplementation(() => undefined);
    const server = await startApp((app) => {
      app.get("/gone", () => {
        throw new HttpError(410, "Gone");
      });
      app.get("/boom", () => {
        throw new Error("json client boom");
      });
      htmlErrors(app);
    });
    close = server.close;
    expect((await fetch(`${server.url}/gone`, { headers: { accept: "text/html" } })).status).toBe(410);
    expect(logged).not.toHaveBeenCalled();
    // a JSON client: the hook does not answer, tina4's own error response logs it once
    expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    expect(logged.mock.calls.filter((call) => String(call[0]).includes("json client boom"))).toHaveLength(1);
  });
});

describe("a notFound page", () => {
  it("sees the session's user, as page templates and routes do", async () => {
    const server = await startApp((app) => {
      app.use(session({ backend: "memory" }));
      app.post("/login", async (req) => {
        await req.session!.regenerate();
        req.session!.set("user", { sub: "7", email: "ann@example.com" });
        return { ok: true };
      }, { secured: false });
      app.get("/me", (req) => ({ user: req.user?.sub ?? null }));
      app.notFound((req, res) => res.html(`<nav>${req.user ? `signed in as ${String(req.user.email)}` : "log in"}</nav>`));
    });
    close = server.close;
    const login = await fetch(`${server.url}/login`, { method: "POST" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await fetch(`${server.url}/me`, { headers: { cookie } })).json()).toEqual({ user: "7" });
    const missing = await fetch(`${server.url}/no-such-page`, { headers: { cookie } });
    expect([missing.status, await missing.text()]).toEqual([404, "<nav>signed in as ann@example.com</nav>"]);
    // anonymous: no user, and a Bearer-less, cookie-less request pays no authentication
    expect(await (await fetch(`${server.url}/no-such-page`)).text()).toBe("<nav>log in</nav>");
  });

  it("answers through an onError hook with the user set when there is no notFound handler", async () => {
    const server = await startApp((app) => {
      app.use(session({ backend: "memory" }));
      app.post("/login", async (req) => {
        await req.session!.regenerate();
        req.session!.set("user", { sub: "8", email: "bo@example.com" });
        return { ok: true };
      }, { secured: false });
      app.onError((error, req, res) => {
        if (error instanceof HttpError && error.status === 404) res.status(404).html(`<nav>${req.user ? `signed in as ${String(req.user.email)}` : "log in"}</nav>`);
      });
    });
    close = server.close;
    const cookie = (await fetch(`${server.url}/login`, { method: "POST" })).headers.get("set-cookie")!.split(";")[0]!;
    const missing = await fetch(`${server.url}/nope`, { headers: { cookie } });
    expect([missing.status, await missing.text()]).toEqual([404, "<nav>signed in as bo@example.com</nav>"]);
  });
});
