import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { App } from "../../runtime/app.js";
import { Database } from "../../runtime/db/index.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { installTracing, parseTraceparent } from "../../runtime/ops/tracing.js";
import { makeTempDir } from "./support.js";

const exporter = new InMemorySpanExporter();
let db: Database;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  db = await Database.connect(`sqlite:${join(makeTempDir(), "trace.db")}`);
  await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  await db.execute("INSERT INTO items (id, name) VALUES (?, ?)", [1, "secret-name-value"]);
});
afterAll(async () => {
  await db?.close();
  trace.disable();
});

function tracedApp(): App {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.get("/items/{id:int}", async (req) => db.fetchOne("SELECT id, name FROM items WHERE id = ?", [req.params.id]));
  expect(installTracing(app, { force: true })).toBe(true);
  return app;
}

describe("OpenTelemetry", () => {
  it("makes a server span named by the route with a child span per database statement (text without values)", async () => {
    exporter.reset();
    const client = await testClient({ app: tracedApp() });
    const response = await client.get("/items/1");
    expect(response.json()).toEqual({ id: 1, name: "secret-name-value" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.name === "GET /items/{id:int}");
    expect(server?.attributes).toMatchObject({ "http.route": "/items/{id:int}", "http.request.method": "GET", "http.response.status_code": 200 });
    const query = spans.find((span) => span.name === "db.query");
    expect(query).toBeDefined();
    expect(query!.spanContext().traceId).toBe(server!.spanContext().traceId);
    expect(query!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    expect(String(query!.attributes["db.statement"])).toContain("SELECT id, name FROM items WHERE id = ?");
    expect(JSON.stringify(query!.attributes)).not.toContain("secret-name-value");
  });

  it("continues the trace an incoming traceparent names", async () => {
    exporter.reset();
    const client = await testClient({ app: tracedApp() });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await client.get("/items/1", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const server = exporter.getFinishedSpans().find((span) => span.name === "GET /items/{id:int}");
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  });

  it("ignores a malformed traceparent", () => {
    expect(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).toBeNull();
    expect(parseTraceparent("garbage")).toBeNull();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toMatchObject({ isRemote: true, traceFlags: 1 });
  });

  it("does nothing without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    expect(installTracing(new App({ dev: false, publicDir: null, templatesDir: null }))).toBe(false);
  });
});
