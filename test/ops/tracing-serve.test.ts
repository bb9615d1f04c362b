import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { get, makeApp, serve, writeFile, type Served } from "../dev/support.js";
import { serviceUrl } from "../support/services.js";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const redisUrl = serviceUrl("REDIS");

/**
 * What an app's `--import` file does with the real SDK (docs/operations.md), with an exporter
 * that writes each finished span as a JSON line instead of sending it to a collector.
 */
const setup = `
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(repoRoot, "package.json"))});
const { trace } = require("@opentelemetry/api");
const { BasicTracerProvider, SimpleSpanProcessor } = require("@opentelemetry/sdk-trace-base");
const exporter = {
  export(spans, done) {
    for (const span of spans) {
      const line = { name: span.name, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId, attributes: span.attributes, status: span.status.code };
      appendFileSync(process.env.TRACE_FILE, JSON.stringify(line) + "\\n");
    }
    done({ code: 0 });
  },
  async shutdown() {},
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
`;

interface Line {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: number;
}

let downstream: Server;
let downstreamUrl = "";
const received: IncomingHttpHeaders[] = [];
let served: Served | null = null;

beforeAll(async () => {
  downstream = createServer((req, res) => {
    received.push(req.headers);
    res.setHeader("content-type", "application/json");
    res.end('{"from":"downstream"}');
  });
  await new Promise<void>((done) => downstream.listen(0, "127.0.0.1", done));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await served?.stop();
  await new Promise((done) => downstream?.close(done));
});

describe("tina4 serve --production with OTEL_EXPORTER_OTLP_ENDPOINT and the SDK loaded by --import", () => {
  it.skipIf(!redisUrl)("traces a request through the app's global middleware (Redis rate limit) and its fetch, into the next service", async () => {
    const dir = makeApp({
      "src/app.ts": `import { rateLimit, use } from "tina4";\nuse(rateLimit({ backend: "redis", cacheUrl: process.env.TRACE_REDIS_URL, limit: 1000, windowSeconds: 60 }));\n`,
      "src/routes/hop/get.ts": `export default async () => (await fetch(process.env.TRACE_DOWNSTREAM + "/next?key=k-secret")).json();\n`,
    });
    writeFile(dir, "otel.mjs", setup);
    const traceFile = join(dir, "spans.jsonl");
    served = await serve(dir, ["--production", "--workers", "1"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      NODE_OPTIONS: `--import ${pathToFileURL(join(dir, "otel.mjs")).href}`,
      TRACE_FILE: traceFile,
      TRACE_REDIS_URL: redisUrl!,
      TRACE_DOWNSTREAM: downstreamUrl,
      TINA4_DRAIN_DELAY: "0",
    });
    const reply = await get(`${served.url}/hop`, { headers: { connection: "close" } });
    expect(reply.status, reply.body).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ from: "downstream" });

    const deadline = Date.now() + 5000;
    let lines: Line[] = [];
    while (Date.now() < deadline) {
      lines = existsSync(traceFile) ? readFileSync(traceFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Line) : [];
      if (lines.some((line) => line.name === "GET /hop")) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    const server = lines.find((line) => line.name === "GET /hop");
    expect(server, JSON.stringify(lines)).toBeDefined();
    const children = lines.filter((line) => line.parentSpanId === server!.spanId);
    // the rate limit is global middleware from src/app.ts: it ran inside the request span
    expect(children.find((line) => line.name === "cache incr")?.attributes).toEqual({ "cache.backend": "redis", "cache.namespace": "ratelimit" });
    const call = children.find((line) => line.name === "GET");
    expect(call?.attributes).toMatchObject({ "url.full": `${downstreamUrl}/next?key=REDACTED`, "http.response.status_code": 200 });
    expect(String(received.at(-1)?.traceparent)).toBe(`00-${server!.traceId}-${call!.spanId}-01`);
  });
});
