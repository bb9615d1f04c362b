import { afterEach, describe, expect, it, vi } from "vitest";
import { get, request } from "node:http";
import { Readable } from "node:stream";
import { App } from "../../runtime/app.js";
import { configureLogger, logger } from "../../runtime/ops/logger.js";
import { installRequestLog, msText, target } from "../../runtime/ops/request-log.js";
import { formatRecord } from "../../runtime/ops/pretty.js";
import { log } from "../../runtime/log.js";
import { installMetrics } from "../../runtime/ops/metrics.js";
import { expectPinoRequestLine } from "./support.js";
import { captureLog } from "../support/log-capture.js";

// registered before captureLog() so it runs after its cleanup: vitest runs afterEach hooks in reverse order
afterEach(() => {
  delete process.env.TINA4_SECRET;
});
const captured = captureLog();
const { destination, records } = captured;

/** GET `path` sent as written (fetch would percent-encode quotes). */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    get({ host: hostname, port: Number(port), path }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    }).on("error", reject);
  });
}

async function start(app: App): Promise<string> {
  return (await captured.listen(app)).url;
}

describe("request log line", () => {
  it("writes one JSON line per request with the route pattern, status, ms, ip and the X-Request-ID", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/items/{id}", (req) => ({ id: req.params.id }));
    installRequestLog(app);
    const url = await start(app);
    const first = await fetch(`${url}/items/7`);
    await first.text();
    const missing = await fetch(`${url}/nothing`, { headers: { "x-request-id": "client-chosen-1" } });
    await missing.text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [ok, notFound] = records();
    expect(captured.lines()).toHaveLength(2);
    expect(ok).toMatchObject({ level: 30, method: "GET", route: "/items/{id}", status: 200, ip: "127.0.0.1", reqId: first.headers.get("x-request-id") });
    expect(typeof ok!.ms).toBe("number");
    expect(ok).not.toHaveProperty("path"); // JSON names the pattern, not the raw path
    expect(notFound).toMatchObject({ route: null, status: 404, reqId: "client-chosen-1" });
  });

  it("writes nothing per request when TINA4_LOG_LEVEL is above info", async () => {
    configureLogger({ format: "json", level: "warn", destination });
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/", () => "hi");
    installRequestLog(app);
    const url = await start(app);
    await (await fetch(url)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(captured.lines()).toHaveLength(0);
  });

  it("logs a failing handler's error with its stack at error level, and the request line with status 500", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/boom", () => {
      throw new Error("kaboom");
    });
    installRequestLog(app);
    const url = await start(app);
    const response = await fetch(`${url}/boom`);
    expect(response.status).toBe(500);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const error = records().find((record) => record.level === 50);
    expect(String(error?.msg)).toContain("kaboom");
    expect(String(error?.msg)).toMatch(/\n\s+at /);
    expect(records().find((record) => record.route === "/boom")).toMatchObject({ status: 500, level: 30 });
  });

  it("req.log binds the request id", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/work", (req) => {
      req.log.info({ step: "one" }, "working");
      return "done";
    });
    const url = await start(app);
    const response = await fetch(`${url}/work`);
    await response.text();
    expect(records()).toEqual([expect.objectContaining({ msg: "working", step: "one", reqId: response.headers.get("x-request-id") })]);
  });
});

describe("request line cost and format", () => {
  it("installs no hooks while the level is above info, and installs them once configureLogger turns info on", async () => {
    configureLogger({ format: "json", level: "warn", destination });
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/", () => "hi");
    const addHook = vi.spyOn(app, "addHook");
    installRequestLog(app);
    expect(addHook).not.toHaveBeenCalled();
    configureLogger({ format: "json", level: "error", destination });
    expect(addHook).not.toHaveBeenCalled();
    configureLogger({ format: "json", level: "info", destination });
    expect(addHook.mock.calls.map(([name]) => name)).toEqual(["onSent"]);
    configureLogger({ format: "json", level: "debug", destination });
    expect(addHook).toHaveBeenCalledTimes(1); // installed once, not per configureLogger
    const url = await start(app);
    await (await fetch(url)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(records()).toEqual([expect.objectContaining({ route: "/", status: 200 })]);
  });

  it("the readable line's path hides secret-named query values and keeps the rest", () => {
    expect(target("/login?user=ann&password=hunter2&next=%2Fhome")).toBe("/login?user=ann&password=[redacted]&next=%2Fhome");
    expect(target("/cb?access_token=abc&Api-Key=k1&flag")).toBe("/cb?access_token=[redacted]&Api-Key=[redacted]&flag");
    expect(target("/x?%74oken=abc&bad=%E0%A4%A")).toBe("/x?%74oken=[redacted]&bad=%E0%A4%A"); // an escaped key is still seen
    expect(target("/plain/path")).toBe("/plain/path");
    expect(target("/a\nb?token=t")).toBe("/a?b?token=[redacted]");
  });

  it("adds one onSent hook each for the request log and metrics (the app times the request once for both)", async () => {
    configureLogger({ format: "json", level: "info", destination });
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/", () => "hi");
    const addHook = vi.spyOn(app, "addHook");
    installRequestLog(app);
    installMetrics(app, { token: "" });
    expect(addHook.mock.calls.map(([name]) => name)).toEqual(["onSent", "onSent"]);
    const url = await start(app);
    await (await fetch(url)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(records()).toEqual([expect.objectContaining({ route: "/", status: 200 })]);
  });

  it("stops writing request lines when configureLogger raises the level after they were installed", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/", () => "hi");
    installRequestLog(app);
    const url = await start(app);
    await (await fetch(url)).text();
    configureLogger({ format: "json", level: "warn", destination });
    await (await fetch(url)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(captured.lines()).toHaveLength(1);
  });

  it("writes exactly one line per request, whether answered at once, later, streamed, or abandoned by the client (status 0)", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    let reached!: () => void;
    const slowReached = new Promise<void>((resolve) => (reached = resolve));
    app.get("/now", () => "now");
    app.get("/later", async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return "later";
    });
    app.get("/stream", () => Readable.from(["a", "b"]));
    app.get("/slow", async () => {
      reached();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return "too late";
    });
    installRequestLog(app);
    const url = await start(app);
    await (await fetch(`${url}/now`)).text();
    await (await fetch(`${url}/later`)).text();
    await (await fetch(`${url}/stream`)).text();
    const abandoned = request(`${url}/slow`, { headers: { "x-request-id": "gone-1" } });
    abandoned.on("error", () => undefined);
    abandoned.end();
    await slowReached;
    abandoned.destroy();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(records().map((record) => [record.route, record.status])).toEqual([
      ["/now", 200],
      ["/later", 200],
      ["/stream", 200],
      ["/slow", 0],
    ]);
    expect(records()[3]).toMatchObject({ reqId: "gone-1" });
    expect(records()[1]!.ms).toBeGreaterThanOrEqual(15);
  });

  it("writes the line byte for byte as pino writes the same record (keys, order, numbers, escaping)", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/items/{id}", (req) => ({ id: req.params.id }));
    app.get('/say/"quoted"\\path', () => "odd but legal");
    app.post("/items", () => "made");
    installRequestLog(app);
    const url = await start(app);
    await (await fetch(`${url}/items/7`)).text();
    expect(await rawGet(url, '/say/"quoted"\\path')).toBe(200);
    await (await fetch(`${url}/items`, { method: "POST" })).text();
    await (await fetch(`${url}/missing`, { headers: { "x-request-id": "abc.DEF:12-x_y" } })).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(captured.lines()).toHaveLength(4);
    for (const line of captured.lines()) expectPinoRequestLine(line);
    expect(records().map((record) => record.route)).toEqual(["/items/{id}", '/say/"quoted"\\path', "/items", null]);
  });

  it("prints ms as Math.round(ms * 1000) / 1000 prints", () => {
    for (const ms of [0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.41, 0.412, 1, 2.5, 12.005, 99.999, 100.0004, 1234.5678, 3_600_000.25]) {
      expect(msText(ms)).toBe(String(Math.round(ms * 1000) / 1000));
    }
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.random() * 10 ** (Math.random() * 7 - 3);
      expect(msText(ms)).toBe(String(Math.round(ms * 1000) / 1000));
    }
  });
});

describe("redaction", () => {
  it("removes credentials by key at any depth, URL passwords and the app secret from records and messages", () => {
    process.env.TINA4_SECRET = "s3cr3t-value-that-is-long-enough";
    configureLogger({ format: "json", level: "info", destination });
    log.warn("connecting to postgres://app:hunter2@db:5432/app failed");
    logger.info(
        {
          headers: { Authorization: "Bearer abc.def.ghi", cookie: "tina4_session=xyz", "x-api-key": "k-123", accept: "text/html" },
          user: { name: "ann", password: "pa55word", nested: [{ token: "tok-1" }] },
          dsn: "mysql://root:rootpw@localhost/db",
        },
        `signed with ${process.env.TINA4_SECRET}`,
      );
    const text = captured.lines().join("");
    for (const secret of ["hunter2", "abc.def.ghi", "tina4_session=xyz", "k-123", "pa55word", "tok-1", "rootpw", "s3cr3t-value-that-is-long-enough"]) {
        expect(text).not.toContain(secret);
      }
      const [warned, record] = records();
      expect(warned!.msg).toBe("connecting to postgres://app:[redacted]@db:5432/app failed");
      expect(record).toMatchObject({
        msg: "signed with [redacted]",
        headers: { Authorization: "[redacted]", cookie: "[redacted]", "x-api-key": "[redacted]", accept: "text/html" },
        user: { name: "ann", password: "[redacted]", nested: [{ token: "[redacted]" }] },
        dsn: "mysql://root:[redacted]@localhost/db",
      });
  });

  it("redacts an error's message and stack", () => {
    logger.error({ err: new Error("cannot reach postgres://u:topsecretpw@h/db") }, "query failed");
    expect(captured.lines().join("")).not.toContain("topsecretpw");
    expect(records()[0]).toMatchObject({ err: { message: "cannot reach postgres://u:[redacted]@h/db" } });
  });
});

describe("readable format", () => {
  it("prints a request record as one line with method, path, status, ms and id", () => {
    const line = formatRecord({ level: 30, time: Date.UTC(2026, 0, 1, 12, 0, 1), reqId: "r-1", method: "GET", route: "/items/{id}", path: "/items/7", status: 404, ms: 1.234, ip: "::1" });
    expect(line.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/^\d\d:\d\d:\d\d GET \/items\/7 404 1\.2 ms r-1\n$/);
  });
});
