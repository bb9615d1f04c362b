/**
 * A session store that cannot answer is a 503 "Session store unavailable" for the client; the
 * log line must say why (the server refused, the driver is not installed), or an operator
 * looking at a production 503 has nothing to go on. Found running `serve --production` with
 * TINA4_SESSION_BACKEND=redis in an app without the `redis` package: every line only said
 * "HttpError: Session store unavailable".
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closedPort, startApp } from "../support/http.js";
import { log } from "../../runtime/log.js";
import { session } from "../../runtime/session/middleware.js";
import { closeSessionStores } from "../../runtime/session/store.js";

let close: (() => Promise<unknown>) | undefined;
beforeAll(() => {
  process.env.TINA4_SECRET ??= "store-outage-log-secret-0123456789abcdef";
});
afterEach(async () => {
  await close?.();
  close = undefined;
  await closeSessionStores();
  vi.restoreAllMocks();
});


describe("session store outage", () => {
  it("logs the 503 with the store's own error as its cause", async () => {
    const logged = vi.spyOn(log, "error").mockImplementation(() => undefined);
    vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const port = await closedPort();
    const server = await startApp((app) => {
      app.use(session({ backend: "redis", url: `redis://127.0.0.1:${port}` }));
      app.get("/visit", (req) => {
        req.session!.set("seen", true);
        return { ok: true };
      });
    });
    close = server.close;
    const res = await fetch(`${server.url}/visit`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "Session store unavailable", code: "T4_ERR_SESSION_UNAVAILABLE" });
    const line = logged.mock.calls.map((call) => String(call[0])).find((text) => text.includes("GET /visit → 503"));
    expect(line, logged.mock.calls.join("\n")).toBeDefined();
    expect(line).toContain("caused by:");
    expect(line).toContain(`127.0.0.1:${port}`); // which server, so the operator knows where to look
  });
});
