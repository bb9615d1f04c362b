/**
 * WebSocket upgrades are requests too: each one — accepted (101) or refused (404, 401, 403,
 * 429, 503...) — gets its request line and is counted in http_requests_total, with the WS
 * route's pattern (or null / "unmatched"), so an operator sees who connects and a storm of
 * refused upgrades.
 */
import { expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";
import { installMetrics, metricsText } from "../../runtime/ops/metrics.js";
import { connect, refusal } from "../realtime/support.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog();

it("logs and counts every upgrade: 101 with the WS route's pattern, and each refusal with its status", async () => {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.websocket("/chat/{room}", { open: (socket) => void socket.send("hi") });
  app.websocket("/admin", { open: () => undefined }, { secured: true });
  installRequestLog(app);
  installMetrics(app, { token: "" });
  const server = await log.listen(app);
  const ws = server.url.replace(/^http/, "ws");

  const client = await connect(`${ws}/chat/lobby`, { headers: { "x-request-id": "upgrade-1" } });
  expect(await client.next()).toBe("hi");
  client.ws.close();
  expect((await refusal(`${ws}/nowhere`)).status).toBe(404);
  expect((await refusal(`${ws}/admin`)).status).toBe(401);
  expect((await refusal(`${ws}/chat/lobby`, { headers: { origin: "https://evil.example" } })).status).toBe(403);
  await new Promise((resolve) => setTimeout(resolve, 50));

  const records = log.records();
  expect(records.map((r) => [r.method, r.route, r.status, r.ip])).toEqual([
    ["GET", "/chat/{room}", 101, "127.0.0.1"],
    ["GET", null, 404, "127.0.0.1"],
    ["GET", "/admin", 401, "127.0.0.1"],
    ["GET", "/chat/{room}", 403, "127.0.0.1"],
  ]);
  expect(records[0]).toMatchObject({ reqId: "upgrade-1" });
  expect(typeof records[0]!.ms).toBe("number");

  const text = await metricsText();
  expect(text).toContain('http_requests_total{method="GET",route="/chat/{room}",status="101"} 1');
  expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
  expect(text).toContain('http_requests_total{method="GET",route="/admin",status="401"} 1');
  expect(text).toContain('http_requests_total{method="GET",route="/chat/{room}",status="403"} 1');
});
