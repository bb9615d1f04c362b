import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { testClient } from "../../runtime/ops/test-client.js";

let lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };

beforeEach(() => {
  lines = [];
  process.env.TINA4_SECRET ??= "error-log-test-secret-0123456789abcdef0123";
  configureLogger({ format: "json", level: "info", destination });
});
afterEach(() => configureLogger());

describe("the error record of a failed request (JSON logs)", () => {
  it("carries the request's reqId as a key, so a search by X-Request-ID finds it with the request line", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/orders/{id:int}", () => {
      throw new Error("ledger unreachable");
    });
    const client = await testClient({ app });
    const response = await client.get("/orders/12");
    expect(response.status).toBe(500);
    const errors = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.reqId).toBe(response.headers["x-request-id"]);
    expect(errors[0]).not.toHaveProperty("route"); // one record per request carries route and status: the request line
    expect(String(errors[0]!.msg)).toMatch(/Error: ledger unreachable\n\s+at /);
  });
});
