/**
 * A Redis cache that loses its server mid-run degrades to misses (runtime/cache/resilient.ts):
 * the request still succeeds, and its trace shows the cache call failed. Uses a private
 * redis-server so the shared one is never disturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { App } from "../../runtime/app.js";
import { cacheGet, cacheSet, closeCache, configureCache } from "../../runtime/cache/kv.js";
import { testClient, type TestClient } from "../../runtime/ops/test-client.js";
import { installTracing } from "../../runtime/ops/tracing.js";
import { PrivateServer, freePort, serverInstalled } from "../cache/private-server.js";
import { skipUnlessAvailable } from "../support/services.js";

const exporter = new InMemorySpanExporter();
const skip = skipUnlessAvailable(serverInstalled("redis-server"), "redis-server is not installed");
let server: PrivateServer | undefined;
let client: TestClient;

beforeAll(async () => {
  if (skip) return;
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  server = new PrivateServer("redis", await freePort(56520));
  await server.start();
  await configureCache({ backend: "redis", url: `redis://127.0.0.1:${server.port}`, timeoutMs: 250 });
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.get("/note", async () => {
    await cacheSet("note", "kept");
    return { note: (await cacheGet("note")) ?? null };
  });
  expect(installTracing(app, { force: true })).toBe(true);
  client = await testClient({ app });
});

afterAll(async () => {
  await closeCache();
  await server?.stop();
  trace.disable();
});

async function cacheSpans(): Promise<ReadableSpan[]> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return exporter.getFinishedSpans().filter((span) => span.name.startsWith("cache "));
}

describe.skipIf(skip)("trace of a cache whose server is gone", () => {
  it("healthy calls are not marked failed", async () => {
    exporter.reset();
    expect((await client.get("/note")).json()).toEqual({ note: "kept" });
    const spans = await cacheSpans();
    expect(spans.map((span) => span.name)).toEqual(["cache set", "cache get"]);
    for (const span of spans) expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("a call degraded to a miss or no-op is a failed span, and so is one the open breaker answered", async () => {
    await server!.signal("SIGKILL");
    exporter.reset();
    const reply = await client.get("/note");
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ note: null });
    const spans = await cacheSpans();
    expect(spans.map((span) => span.name)).toEqual(["cache set", "cache get"]);
    // the set failed against the server; the get was answered by the breaker without asking it
    for (const span of spans) {
      expect(span.status.code, span.name).toBe(SpanStatusCode.ERROR);
      expect(span.attributes["error.type"]).toBe("T4_ERR_CACHE_UNAVAILABLE");
      expect(span.events.some((event) => event.name === "exception")).toBe(true);
    }
    expect(spans[1]!.attributes["cache.hit"]).toBe(false);
  });
});
