/**
 * An outage answered on every request (a database that is down) must not write one error
 * record with a full stack per request: the first of a kind (code + message) is logged in full
 * at once, repeats within 5 s are counted, and one line then says how many were left out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../runtime/app.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { DatabaseError, DbErrorCode } from "../../runtime/db/errors.js";
import { errorKind } from "../../runtime/http/repeated-errors.js";

let lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };
const errorRecords = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.level === 50);

beforeEach(() => {
  lines = [];
  process.env.TINA4_SECRET ??= "repeated-errors-test-secret-0123456789abcdef";
  configureLogger({ format: "json", level: "info", destination });
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.advanceTimersByTime(5_000); // ends every window a test opened: the next test starts afresh
  vi.useRealTimers();
  configureLogger();
});

function outageApp(): App {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.get("/orders/{id:int}", () => {
    throw new DatabaseError(DbErrorCode.UNAVAILABLE, "[postgres] connect ECONNREFUSED 10.0.0.5:5432", { engine: "postgres" });
  });
  app.get("/crash", () => {
    throw new TypeError("cannot read properties of undefined (reading 'total')");
  });
  return app;
}

describe("repeated server errors in the log", () => {
  it("logs the first in full, counts 599 repeats within 5 s, then says '… and 599 more like it in the last 5 s'", async () => {
    const client = await testClient({ app: outageApp() });
    const statuses = new Set<number>();
    for (let i = 0; i < 600; i++) statuses.add((await client.get(`/orders/${i}`)).status);
    expect([...statuses]).toEqual([503]); // every client still gets its 503
    const first = errorRecords();
    expect(first).toHaveLength(1);
    expect(String(first[0]!.msg)).toMatch(/GET \/orders\/0 → 503 .*T4_ERR_DB_UNAVAILABLE|GET \/orders\/0 → 503 [^\n]*ECONNREFUSED/);
    expect(String(first[0]!.msg)).toMatch(/\n\s+at /); // the first keeps its stack
    vi.advanceTimersByTime(5_000);
    const after = errorRecords();
    expect(after).toHaveLength(2);
    expect(String(after[1]!.msg)).toMatch(/^… and 599 more like it in the last 5 s \(the first: GET \/orders\/0 → 503 /);
    expect(String(after[1]!.msg)).toContain("ECONNREFUSED 10.0.0.5:5432");
    expect(String(after[1]!.msg)).not.toMatch(/\n\s+at /);
    expect(after[1]!.repeated).toBe(599);
    // the window is over: the next one is logged in full again, never dropped
    expect((await client.get("/orders/1")).status).toBe(503);
    expect(errorRecords()).toHaveLength(3);
    expect(String(errorRecords()[2]!.msg)).toMatch(/GET \/orders\/1 → 503 [\s\S]*\n\s+at /);
    await client.close();
  });

  it("a different error during the window is logged at once; a lone error gets no summary line", async () => {
    const client = await testClient({ app: outageApp() });
    await client.get("/orders/1");
    await client.get("/orders/2");
    expect((await client.get("/crash")).status).toBe(500);
    const records = errorRecords();
    expect(records).toHaveLength(2);
    expect(String(records[1]!.msg)).toMatch(/GET \/crash → 500 .*TypeError: cannot read properties/);
    vi.advanceTimersByTime(5_000);
    const summaries = errorRecords().filter((record) => String(record.msg).startsWith("…"));
    expect(summaries.map((record) => record.repeated)).toEqual([1]); // the outage's one repeat; /crash came once
    await client.close();
  });

  it("a kind is the code (or class name) and the message", () => {
    expect(errorKind(new DatabaseError(DbErrorCode.UNAVAILABLE, "down"))).toBe("T4_ERR_DB_UNAVAILABLE: down");
    expect(errorKind(new TypeError("x"))).toBe("TypeError: x");
    expect(errorKind(new DatabaseError(DbErrorCode.UNAVAILABLE, "down"))).not.toBe(errorKind(new DatabaseError(DbErrorCode.AUTH, "down")));
  });
});
