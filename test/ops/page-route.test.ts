import { afterAll, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";
import { installMetrics, httpMetrics } from "../../runtime/ops/metrics.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { templatesDir } from "../templates/support.js";
import { captureLog } from "../support/log-capture.js";

const folder = templatesDir({
  "pages/about.twig": "<h1>About</h1>",
  "pages/docs/index.twig": "<h1>Docs</h1>",
  "pages/index.twig": "<h1>Home</h1>",
});
afterAll(() => folder.cleanup());

const log = captureLog();

function seriesOf(text: string): string[] {
  return text.split("\n").filter((row) => row.startsWith("http_requests_total{"));
}

describe("page hits in request logs and metrics", () => {
  it("logs a page hit with the page's URL as its route and keeps route null for a 404", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: folder.dir });
    installRequestLog(app);
    const server = await log.listen(app);
    for (const path of ["/about", "/docs", "/", "/missing"]) await (await fetch(`${server.url}${path}`)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const records = log.records();
    expect(records.map((record) => [record.route, record.status])).toEqual([
      ["/about", 200],
      ["/docs", 200],
      ["/", 200],
      [null, 404],
    ]);
  });

  it("labels page hits by page in /__metrics while any number of 404 paths share the one 'unmatched' series", async () => {
    httpMetrics().registry.resetMetrics();
    const app = new App({ dev: false, publicDir: null, templatesDir: folder.dir });
    installMetrics(app, { token: "" });
    const client = await testClient({ app });
    await client.get("/about");
    await client.get("/about");
    await client.get("/docs/");
    for (let i = 0; i < 50; i++) await client.get(`/random-${i}/${Math.random().toString(36).slice(2)}`);
    const text = (await client.get("/__metrics")).text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/about",status="200"\} 2\n/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/docs",status="200"\} 1\n/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} 50\n/);
    expect(text).not.toContain("random-");
    // /about, /docs, unmatched (this scrape is counted after it answers)
    expect(seriesOf(text)).toHaveLength(3);
  });
});

describe("GET /__metrics while metrics are off", () => {
  it("answers 404 with a hint in dev", async () => {
    const client = await testClient({ app: new App({ dev: true, publicDir: null, templatesDir: null }) });
    const response = await client.get("/__metrics");
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ code: "T4_ERR_HTTP_NOT_FOUND", hint: "metrics are off: set TINA4_METRICS=true (docs/operations.md)" });
  });

  it("answers a plain 404 in production (the configuration is not revealed)", async () => {
    const client = await testClient({ app: new App({ dev: false, publicDir: null, templatesDir: null }) });
    const response = await client.get("/__metrics");
    expect(response.status).toBe(404);
    expect(response.json()).not.toHaveProperty("hint");
    expect(response.text()).not.toContain("TINA4_METRICS");
  });

  it("gives no hint for other missing paths in dev", async () => {
    const client = await testClient({ app: new App({ dev: true, publicDir: null, templatesDir: null }) });
    const response = await client.get("/__metricsx");
    expect(response.status).toBe(404);
    expect(response.json()).not.toHaveProperty("hint");
  });
});
