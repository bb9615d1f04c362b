import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { App } from "../../runtime/app.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { installTracing } from "../../runtime/ops/tracing.js";
import { templatesDir } from "../templates/support.js";

// A page template has no route pattern until routing has looked for its file, which happens after
// the request span starts: the span must still be named by the page's URL, as the log and metrics are.
const folder = templatesDir({
  "pages/about.twig": "<h1>About</h1>",
  "pages/docs/index.twig": "<h1>Docs</h1>",
  "pages/index.twig": "<h1>Home</h1>",
});
const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  folder.cleanup();
});

async function serverSpans(paths: string[]): Promise<Array<{ name: string; route: unknown; status: unknown }>> {
  exporter.reset();
  const app = new App({ dev: false, publicDir: null, templatesDir: folder.dir });
  expect(installTracing(app, { force: true })).toBe(true);
  const client = await testClient({ app });
  for (const path of paths) await client.get(path);
  await client.close();
  await new Promise((resolve) => setTimeout(resolve, 10));
  return exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    route: span.attributes["http.route"],
    status: span.attributes["http.response.status_code"],
  }));
}

describe("OpenTelemetry server spans of page templates", () => {
  it("names a page hit 'GET /the/page/url' with that URL as http.route", async () => {
    expect(await serverSpans(["/about", "/docs/", "/"])).toEqual([
      { name: "GET /about", route: "/about", status: 200 },
      { name: "GET /docs", route: "/docs", status: 200 },
      { name: "GET /", route: "/", status: 200 },
    ]);
  });

  it("keeps 'unmatched' for a path neither a route nor a page answers", async () => {
    expect(await serverSpans(["/nothing/here"])).toEqual([{ name: "GET unmatched", route: "unmatched", status: 404 }]);
  });
});
