/**
 * testClient() installs GET /__metrics when TINA4_METRICS=true, as `tina4 serve` does, so an
 * app's test can scrape it (it answered 404 before); with TINA4_METRICS_TOKEN the bearer token
 * is required there too.
 */
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { testClient } from "../../runtime/ops/test-client.js";

function makeApp(): App {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.get("/items/{id:int}", (req) => ({ id: req.params.id }));
  return app;
}

const saved = { metrics: process.env.TINA4_METRICS, token: process.env.TINA4_METRICS_TOKEN };
afterEach(() => {
  for (const [name, value] of [["TINA4_METRICS", saved.metrics], ["TINA4_METRICS_TOKEN", saved.token]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("testClient() and /__metrics", () => {
  it("serves /__metrics counting the client's requests when TINA4_METRICS=true", async () => {
    process.env.TINA4_METRICS = "true";
    delete process.env.TINA4_METRICS_TOKEN;
    const client = await testClient({ app: makeApp() });
    expect((await client.get("/items/3")).status).toBe(200);
    const scrape = await client.get("/__metrics");
    expect(scrape.status).toBe(200);
    expect(scrape.headers["content-type"]).toMatch(/text\/plain/);
    expect(scrape.text()).toMatch(/http_requests_total\{method="GET",route="\/items\/\{id:int\}",status="200"\} [1-9]/);
    await client.close();
  });

  it("requires TINA4_METRICS_TOKEN as a bearer token when it is set", async () => {
    process.env.TINA4_METRICS = "true";
    process.env.TINA4_METRICS_TOKEN = "scrape-secret";
    const client = await testClient({ app: makeApp() });
    expect((await client.get("/__metrics")).status).toBe(401);
    expect((await client.get("/__metrics", { headers: { authorization: "Bearer scrape-secret" } })).status).toBe(200);
    await client.close();
  });

  it("has no /__metrics while TINA4_METRICS is off", async () => {
    delete process.env.TINA4_METRICS;
    const client = await testClient({ app: makeApp() });
    expect((await client.get("/__metrics")).status).toBe(404);
    await client.close();
  });
});
