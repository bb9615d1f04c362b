import { afterEach, describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Request } from "../../runtime/http/request.js";
import { batchedDestination } from "../../runtime/ops/log-destination.js";
import { encodeRequestLine } from "../../runtime/ops/request-line-bytes.js";
import { jsonLine } from "../../runtime/ops/request-log.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { expectPinoRequestLine, makeTempDir } from "./support.js";

afterEach(() => {
  vi.restoreAllMocks();
  configureLogger();
});

function fakeRequest(requestId: string, method: string, route: string | null, ip: string): Request {
  return { requestId, method, route, ip } as unknown as Request;
}

let out: ReturnType<typeof batchedDestination> | null = null;

/** What encodeRequestLine appended to the batched writer ("" when it declined). */
function encoded(req: Request, status: number, ms: number): string {
  out ??= batchedDestination(join(makeTempDir(), "lines.log"));
  const before = out.filled;
  if (!encodeRequestLine(out, req, status, ms, performance.now())) {
    expect(out.filled).toBe(before);
    return "";
  }
  const start = out.filled > before ? before : 0; // a full batch was handed on first
  return out.reserve(0)!.subarray(start, out.filled).toString();
}

function sent(status: number) {
  return { statusCode: status, raw: { writableEnded: status !== 0, statusCode: status === 0 ? 200 : status } } as unknown as Parameters<typeof jsonLine>[1];
}

describe("request line encoded into the batch buffer", () => {
  it("is byte for byte the string line: routes with quotes and non-ASCII, null route, status 0, every ms shape", () => {
    vi.spyOn(Date, "now").mockReturnValue(1_764_900_000_123);
    const requests = [
      fakeRequest("35WlVP9R0000", "GET", "/api/hello", "127.0.0.1"),
      fakeRequest("client.id:42/{x}-_Y", "POST", '/say/"quoted"\\path', "::ffff:10.0.0.1"),
      fakeRequest("r-1", "DELETE", "/café/{id}/\u{1F600}", "::1"),
      fakeRequest("r-2", "GET", null, "192.168.1.20"),
    ];
    const statuses = [200, 404, 0, 500, 101];
    const durations = [0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.41, 0.412, 1, 2.5, 9.999, 10, 12.005, 99.999, 100.0004, 1234.5678, 3_600_000.25];
    for (let i = 0; i < 2000; i++) durations.push(Math.random() * 10 ** (Math.random() * 9 - 3));
    let compared = 0;
    for (const req of requests) {
      for (const status of statuses) {
        for (const ms of durations) {
          expect(encoded(req, status, ms)).toBe(jsonLine(req, sent(status), ms));
          compared++;
        }
      }
    }
    expect(compared).toBe(requests.length * statuses.length * durations.length);
  });

  it("stays byte for byte the string line past the parts it keeps (hundreds of routes × statuses)", () => {
    vi.spyOn(Date, "now").mockReturnValue(1_764_900_000_456);
    for (let i = 0; i < 300; i++) {
      for (const status of [200, 404, 0]) {
        const req = fakeRequest(`id-${i}`, i % 2 ? "POST" : "GET", `/r${i}/{id}`, `10.0.${i % 7}.1`);
        expect(encoded(req, status, i / 7)).toBe(jsonLine(req, sent(status), i / 7));
      }
    }
  });

  it("declines (writes nothing) for a request id that needs JSON escaping, so the string line is written instead", () => {
    expect(encoded(fakeRequest('say "hi"', "GET", "/", "::1"), 200, 1)).toBe("");
    expect(encoded(fakeRequest("caf\u00e9", "GET", "/", "::1"), 200, 1)).toBe("");
    expect(encoded(fakeRequest("plain", "GET", "/", "::1"), 200, 1)).not.toBe("");
  });

  it("matches pino's own rendering of the record when written through the request log's batched writer", async () => {
    const { App } = await import("../../runtime/app.js");
    const { listen } = await import("../../runtime/http/server.js");
    const { installRequestLog } = await import("../../runtime/ops/request-log.js");
    const file = join(makeTempDir(), "app.log");
    const destination = batchedDestination(file);
    configureLogger({ format: "json", level: "info", destination });
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/items/{id}", (req) => ({ id: req.params.id }));
    app.get("/caf\u00e9", () => "ok");
    installRequestLog(app);
    const server = await listen(app, { port: 0, host: "127.0.0.1" });
    try {
      await (await fetch(`${server.url}/items/7`)).text();
      await (await fetch(`${server.url}/caf%C3%A9`)).text();
      await (await fetch(`${server.url}/missing`, { headers: { "x-request-id": "abc.DEF:12-x_y" } })).text();
      await (await fetch(`${server.url}/items/8`, { headers: { "x-request-id": "needs escaping?" } })).text();
    } finally {
      await server.close();
    }
    destination.flush();
    let lines: string[] = [];
    for (const deadline = Date.now() + 5_000; lines.length < 4 && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    }
    expect(lines).toHaveLength(4);
    for (const line of lines) expectPinoRequestLine(`${line}\n`);
    expect(lines.map((line) => (JSON.parse(line) as { route: unknown }).route)).toEqual(["/items/{id}", "/caf\u00e9", null, "/items/{id}"]);
  });
});
