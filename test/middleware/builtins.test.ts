import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../support/http.js";
import { cors } from "../../runtime/middleware/cors.js";
import { securityHeaders } from "../../runtime/middleware/security-headers.js";
import { requestLogger, type RequestLogEntry } from "../../runtime/middleware/request-logger.js";
import { rateLimit } from "../../runtime/middleware/rate-limit.js";

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  delete process.env.TINA4_CORS_ORIGINS;
});

describe("cors()", () => {
  it("denies by default: no CORS headers, preflight 403", async () => {
    const server = await startApp((app) => {
      app.use(cors());
      app.get("/data", () => ({ d: 1 }));
    });
    close = server.close;
    const simple = await fetch(`${server.url}/data`, { headers: { origin: "https://evil.example" } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${server.url}/data`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows listed origins (TINA4_CORS_ORIGINS) for simple and preflight requests", async () => {
    process.env.TINA4_CORS_ORIGINS = "https://app.example, https://admin.example";
    const server = await startApp((app) => {
      app.use(cors());
      app.post("/data", () => ({ ok: true }), { secured: false });
    });
    close = server.close;
    const preflight = await fetch(`${server.url}/data`, {
      method: "OPTIONS",
      headers: { origin: "https://admin.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(preflight.headers.get("vary")).toContain("Origin");
    const actual = await fetch(`${server.url}/data`, { method: "POST", headers: { origin: "https://app.example" } });
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${server.url}/data`, { method: "POST", headers: { origin: "https://other.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses credentials with a wildcard origin", () => {
    expect(() => cors({ origins: ["*"], credentials: true })).toThrow(/credentials/);
  });
});

describe("securityHeaders()", () => {
  it("adds conservative headers without overriding the route's own", async () => {
    const server = await startApp((app) => {
      app.use(securityHeaders());
      app.get("/a", () => "x");
      app.get("/b", (_req, res) => res.header("x-frame-options", "SAMEORIGIN").text("y"));
      app.get("/boom", () => {
        throw new Error("x");
      });
    });
    close = server.close;
    const a = await fetch(`${server.url}/a`);
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
    expect(a.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(a.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(a.headers.get("strict-transport-security")).toBeNull();
    expect((await fetch(`${server.url}/b`)).headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect((await fetch(`${server.url}/boom`)).headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("requestLogger()", () => {
  it("logs method, path, status, duration and request id, also for errors", async () => {
    const entries: RequestLogEntry[] = [];
    const server = await startApp((app) => {
      app.use(requestLogger({ write: (_line, entry) => entries.push(entry) }));
      app.get("/ok", () => "ok");
      app.get("/fail", () => {
        throw new Error("x");
      });
    });
    close = server.close;
    const ok = await fetch(`${server.url}/ok`);
    await fetch(`${server.url}/fail`);
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([["GET", "/ok", 200], ["GET", "/fail", 500]]);
    expect(entries[0]!.requestId).toBe(ok.headers.get("x-request-id"));
    expect(entries[0]!.ms).toBeGreaterThanOrEqual(0);
  });
});

describe("rateLimit()", () => {
  it("limits per socket IP and ignores a spoofed X-Forwarded-For", async () => {
    const server = await startApp((app) => {
      app.use(rateLimit({ limit: 3, windowSeconds: 60 }));
      app.get("/r", () => "ok");
    });
    close = server.close;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/r`, { headers: { "x-forwarded-for": `10.0.0.${i}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ error: "Too Many Requests" });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("uses X-Forwarded-For only when the socket peer is a trusted proxy", async () => {
    const server = await startApp((app) => {
      app.use(rateLimit({ limit: 1, windowSeconds: 60 }));
      app.get("/r", (req) => ({ ip: req.ip }));
    }, { trustedProxies: ["127.0.0.1"] });
    close = server.close;
    const a = await fetch(`${server.url}/r`, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(await a.json()).toEqual({ ip: "203.0.113.7" });
    const b = await fetch(`${server.url}/r`, { headers: { "x-forwarded-for": "203.0.113.8" } });
    expect(b.status).toBe(200);
    const c = await fetch(`${server.url}/r`, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(c.status).toBe(429);
  });

  it("resets after the window", async () => {
    const server = await startApp((app) => {
      app.use(rateLimit({ limit: 1, windowSeconds: 1 }));
      app.get("/r", () => "ok");
    });
    close = server.close;
    // windows are aligned to the clock: start right after a boundary so both requests share one
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    expect((await fetch(`${server.url}/r`)).status).toBe(200);
    expect((await fetch(`${server.url}/r`)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(`${server.url}/r`)).status).toBe(200);
  });
});
