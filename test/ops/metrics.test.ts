import { describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { testClient } from "../../runtime/ops/test-client.js";
import { installMetrics, httpMetrics } from "../../runtime/ops/metrics.js";
import { OpsErrorCode } from "../../runtime/ops/errors.js";

function counted(text: string, labels: string): number {
  const line = text.split("\n").find((row) => row.startsWith(`http_requests_total{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("/__metrics", () => {
  it("counts requests by method, route pattern and status, with a duration histogram", async () => {
    httpMetrics().registry.resetMetrics();
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/items/{id}", (req) => ({ id: req.params.id }));
    installMetrics(app, { token: "" });
    const client = await testClient({ app });
    for (let i = 0; i < 5; i++) await client.get(`/items/${i}`);
    await client.get("/missing/1");
    await client.get("/missing/2");
    const response = await client.get("/__metrics");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/text\/plain/);
    const text = response.text();
    expect(counted(text, 'method="GET",route="/items/{id}",status="200"')).toBe(5);
    expect(counted(text, 'method="GET",route="unmatched",status="404"')).toBe(2);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/items\/\{id\}"\} 5/);
    expect(text).not.toContain("/missing/1"); // raw paths never become labels
  });

  it("answers 401 without the token when one is set, and the figures with it", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    installMetrics(app, { token: "scrape-me" });
    const client = await testClient({ app });
    const refused = await client.get("/__metrics");
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ code: OpsErrorCode.METRICS_TOKEN });
    expect((await client.get("/__metrics", { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401);
    const allowed = await client.get("/__metrics", { headers: { authorization: "Bearer scrape-me" } });
    expect(allowed.status).toBe(200);
    expect(allowed.text()).toContain("# TYPE http_requests_total counter");
  });
});
