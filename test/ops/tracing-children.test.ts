import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasSubscribers } from "node:diagnostics_channel";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { App } from "../../runtime/app.js";
import { cacheGet, cacheSet, closeCache, configureCache, remember } from "../../runtime/cache/kv.js";
import { responseCache } from "../../runtime/middleware/response-cache.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { installTracing } from "../../runtime/ops/tracing.js";
import { describeTarget } from "../../runtime/ops/fetch-tracing.js";
import { serviceUrl } from "../support/services.js";

const exporter = new InMemorySpanExporter();
const redisUrl = serviceUrl("REDIS");

/** A second service: records the headers of every request it gets. */
let downstream: Server;
let downstreamUrl = "";
const received: IncomingHttpHeaders[] = [];
/** A port nothing listens on (a server was bound there and closed). */
let closedPort = 0;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  downstream = createServer((req, res) => {
    received.push(req.headers);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ from: "downstream", path: req.url }));
  });
  await new Promise<void>((resolve) => downstream.listen(0, "127.0.0.1", resolve));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await closeCache();
  await new Promise((resolve) => downstream?.close(resolve));
  trace.disable();
});

async function finishedSpans(): Promise<ReadableSpan[]> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return exporter.getFinishedSpans();
}

function childrenOf(server: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  return spans.filter((span) => span.parentSpanContext?.spanId === server.spanContext().spanId);
}

function tracedApp(build: (app: App) => void): App {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  build(app);
  expect(installTracing(app, { force: true })).toBe(true);
  return app;
}

describe("trace children: cache calls and outgoing fetch", () => {
  // first in the file: nothing has installed tracing yet
  it("subscribes to nothing while tracing is off", () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    expect(installTracing(new App({ dev: false, publicDir: null, templatesDir: null }))).toBe(false);
    expect(hasSubscribers("undici:request:create")).toBe(false);
    expect(hasSubscribers("undici:request:error")).toBe(false);
  });

  it.skipIf(!redisUrl)("a request's Redis cache calls and fetch are children of its span, and the trace reaches the next service", async () => {
    await configureCache({ backend: "redis", url: redisUrl!, prefix: `t4trace${process.pid}${Date.now().toString(36)}` });
    const app = tracedApp((app) => {
      app.get("/profile/{id}", async (req) => {
        const key = `profile:${String(req.params.id)}@example.com`;
        await cacheSet(key, { name: "private-name" });
        const cached = await cacheGet<{ name: string }>(key);
        const remote = (await (await fetch(`${downstreamUrl}/lookup?token=s3cr3t-value&q=private-query`)).json()) as { from: string };
        return { cached, remote };
      });
    });
    exporter.reset();
    received.length = 0;
    const client = await testClient({ app });
    const response = await client.get("/profile/alice");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ cached: { name: "private-name" }, remote: { from: "downstream", path: "/lookup?token=s3cr3t-value&q=private-query" } });

    const spans = await finishedSpans();
    const server = spans.find((span) => span.name === "GET /profile/{id}");
    expect(server).toBeDefined();
    const children = childrenOf(server!, spans);
    const traceId = server!.spanContext().traceId;

    const set = children.find((span) => span.name === "cache set");
    const get = children.find((span) => span.name === "cache get");
    expect(set?.attributes).toMatchObject({ "cache.backend": "redis", "cache.namespace": "kv" });
    expect(get?.attributes).toMatchObject({ "cache.backend": "redis", "cache.namespace": "kv", "cache.hit": true });
    expect(get!.kind).toBe(SpanKind.CLIENT);
    expect(get!.spanContext().traceId).toBe(traceId);

    const call = children.find((span) => span.name === "GET" && span.kind === SpanKind.CLIENT);
    expect(call?.attributes).toMatchObject({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(downstreamUrl).port),
      "url.full": `${downstreamUrl}/lookup?token=REDACTED&q=REDACTED`,
      "http.response.status_code": 200,
    });
    expect(call!.status.code).not.toBe(SpanStatusCode.ERROR);

    // the second service continues the same trace, under the fetch span
    expect(received).toHaveLength(1);
    const parent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(received[0]!.traceparent));
    expect(parent?.[1]).toBe(traceId);
    expect(parent?.[2]).toBe(call!.spanContext().spanId);

    // the children record neither keys, cached values nor query values
    const recorded = JSON.stringify(children.map((span) => [span.name, span.attributes, span.events]));
    for (const secret of ["alice", "example.com", "private-name", "s3cr3t-value", "private-query"]) expect(recorded).not.toContain(secret);
  });

  it.skipIf(!redisUrl)("remember() shows its miss, the factory's own fetch and the store", async () => {
    await configureCache({ backend: "redis", url: redisUrl!, prefix: `t4trace${process.pid}${Date.now().toString(36)}r` });
    const app = tracedApp((app) => {
      app.get("/remembered", async () => remember("remembered", 30, async () => (await fetch(`${downstreamUrl}/slow`)).json()));
    });
    exporter.reset();
    const client = await testClient({ app });
    expect((await client.get("/remembered")).json()).toEqual({ from: "downstream", path: "/slow" });
    const spans = await finishedSpans();
    const server = spans.find((span) => span.name === "GET /remembered")!;
    const names = childrenOf(server, spans).map((span) => `${span.name}${span.attributes["cache.hit"] === false ? " (miss)" : ""}`);
    expect(names).toEqual(expect.arrayContaining(["cache get (miss)", "GET", "cache set"]));
  });

  it("a fetch that cannot connect ends its span as an error, and the request goes on", async () => {
    const app = tracedApp((app) => {
      app.get("/down", async () => {
        try {
          await fetch(`http://127.0.0.1:${closedPort}/gone?key=hidden`);
          return { reached: true };
        } catch (error) {
          return { reached: false, code: ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code };
        }
      });
    });
    exporter.reset();
    const client = await testClient({ app });
    expect((await client.get("/down")).json()).toEqual({ reached: false, code: "ECONNREFUSED" });
    const spans = await finishedSpans();
    const server = spans.find((span) => span.name === "GET /down")!;
    const call = childrenOf(server, spans).find((span) => span.name === "GET");
    expect(call).toBeDefined();
    expect(call!.status.code).toBe(SpanStatusCode.ERROR);
    expect(call!.attributes).toMatchObject({ "error.type": "ECONNREFUSED", "url.full": `http://127.0.0.1:${closedPort}/gone?key=REDACTED` });
    expect(call!.events.some((event) => event.name === "exception")).toBe(true);
    expect(server.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("a 4xx or 5xx answer marks the fetch span as failed with its status", async () => {
    const failing = createServer((_req, res) => res.writeHead(503).end("busy"));
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`;
    try {
      const app = tracedApp((app) => app.get("/busy", async () => ({ status: (await fetch(url)).status })));
      exporter.reset();
      expect((await (await testClient({ app })).get("/busy")).json()).toEqual({ status: 503 });
      const call = (await finishedSpans()).find((span) => span.name === "GET" && span.kind === SpanKind.CLIENT);
      expect(call?.attributes).toMatchObject({ "http.response.status_code": 503, "error.type": "503" });
      expect(call!.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it("a memory response-cache hit (answered without a promise) is a cache get span too", async () => {
    const app = tracedApp((app) => {
      app.get("/cached", async () => ({ at: "handler" }), [responseCache({ backend: "memory", ttl: 30 })]);
    });
    const client = await testClient({ app });
    await client.get("/cached?user=bob");
    exporter.reset();
    const again = await client.get("/cached?user=bob");
    expect(again.headers["x-cache"]).toBe("HIT");
    const spans = await finishedSpans();
    const server = spans.find((span) => span.name === "GET /cached")!;
    const lookup = childrenOf(server, spans).find((span) => span.name === "cache get");
    expect(lookup?.attributes).toMatchObject({ "cache.backend": "memory", "cache.namespace": "response", "cache.hit": true });
    expect(lookup!.kind).toBe(SpanKind.INTERNAL);
    expect(JSON.stringify(lookup!.attributes)).not.toContain("bob");
  });

  it("outside a request, fetch gets no span and no traceparent", async () => {
    exporter.reset();
    received.length = 0;
    await (await fetch(`${downstreamUrl}/background`)).text();
    expect(received[0]?.traceparent).toBeUndefined();
    expect((await finishedSpans()).filter((span) => span.name === "GET")).toHaveLength(0);
  });

  it("work that outlives the response (a fetch after it) is not traced under the ended span", async () => {
    let later: Promise<unknown> = Promise.resolve();
    const app = tracedApp((app) => {
      app.get("/fire", () => {
        later = new Promise((resolve) => setTimeout(resolve, 30)).then(() => fetch(`${downstreamUrl}/after`)).then((r) => r.text());
        return { ok: true };
      });
    });
    exporter.reset();
    received.length = 0;
    await (await testClient({ app })).get("/fire");
    await later;
    expect(received[0]?.traceparent).toBeUndefined();
    expect((await finishedSpans()).filter((span) => span.name === "GET")).toHaveLength(0);
  });

  it("names a call with a method outside HTTP's standard set HTTP, as the conventions say", async () => {
    const app = tracedApp((app) => app.get("/purge", async () => (await fetch(`${downstreamUrl}/purge`, { method: "PURGE" })).json()));
    exporter.reset();
    await (await testClient({ app })).get("/purge");
    const call = (await finishedSpans()).find((span) => span.kind === SpanKind.CLIENT && span.name === "HTTP");
    expect(call?.attributes).toMatchObject({ "http.request.method": "_OTHER", "http.request.method_original": "PURGE" });
  });

  it("leaves a traceparent the caller set alone", async () => {
    const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const app = tracedApp((app) => {
      app.get("/own", async () => (await fetch(`${downstreamUrl}/own`, { headers: { traceparent: own } })).json());
    });
    received.length = 0;
    await (await testClient({ app })).get("/own");
    expect(received[0]?.traceparent).toBe(own);
  });

  it("url.full keeps query names but never their values", () => {
    expect(describeTarget({ origin: "https://api.example.com", path: "/v1/items?api_key=abc&flag&x=" })).toEqual({
      host: "api.example.com",
      port: 443,
      url: "https://api.example.com/v1/items?api_key=REDACTED&flag=REDACTED&x=REDACTED",
    });
    expect(describeTarget({ origin: "http://[::1]:8080", path: "/a" })).toEqual({ host: "::1", port: 8080, url: "http://[::1]:8080/a" });
  });
});
