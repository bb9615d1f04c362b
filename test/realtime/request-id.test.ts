/**
 * Every upgrade answer carries `X-Request-ID` (SPEC §4, §14), so a client can match a refused
 * upgrade (401, 403, 404, 429, 503, a middleware's own answer) or an accepted one (101) to the
 * server's request line. The client's own well-formed id is kept; a malformed one is replaced.
 */
import { afterEach, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import { App } from "../../runtime/app.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";
import { rateLimit } from "../../runtime/index.js";
import { connect, refusal } from "./support.js";
import { captureLog } from "../support/log-capture.js";

beforeAll(() => {
  process.env.TINA4_SECRET ??= "realtime-request-id-secret-0123456789abcdef";
});
// registered before captureLog() so it runs after its cleanup: vitest runs afterEach hooks in reverse order
afterEach(() => {
  delete process.env.TINA4_WS_MAX_CONNECTIONS;
});
const log = captureLog();

/** The 101 answer's headers, read from a real `ws` client's `upgrade` event. */
function accepted(url: string, headers: Record<string, string> = {}): Promise<{ headers: Record<string, unknown>; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("upgrade", (res) => ws.once("open", () => resolve({ headers: res.headers, ws })));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

async function start(): Promise<string> {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  app.websocket("/chat", { open: () => undefined });
  app.websocket("/admin", { open: () => undefined }, { secured: true });
  app.websocket("/limited", { open: () => undefined }, { middleware: [rateLimit({ name: "ws-request-id", limit: 1, windowSeconds: 60 })] });
  installRequestLog(app);
  return (await log.listen(app)).url.replace(/^http/, "ws");
}

const logged = () => log.records<{ reqId: string; status: number }>();

it("refusals (401, 403, 404, 429, 503) carry X-Request-ID, the id of the server's request line", async () => {
  const ws = await start();
  const first = await connect(`${ws}/limited`); // takes the rate limit's only slot
  first.ws.close();
  await first.closed;
  const refused = [
    await refusal(`${ws}/admin`),
    await refusal(`${ws}/chat`, { headers: { origin: "https://evil.example" } }),
    await refusal(`${ws}/nowhere`),
    await refusal(`${ws}/limited`),
  ];
  process.env.TINA4_WS_MAX_CONNECTIONS = "1";
  const full = await connect(`${ws}/chat`);
  refused.push(await refusal(`${ws}/chat`));
  full.ws.close();
  await full.closed;
  await new Promise((resolve) => setTimeout(resolve, 50));

  expect(refused.map((r) => r.status)).toEqual([401, 403, 404, 429, 503]);
  const ids = refused.map((r) => r.headers["x-request-id"]);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
  expect(new Set(ids).size).toBe(ids.length);
  const byId = new Map(logged().map((record) => [record.reqId, record.status]));
  refused.forEach((r, i) => expect(byId.get(ids[i] as string)).toBe(r.status));
});

it("keeps the client's own X-Request-ID on a refusal and on the 101, and replaces a malformed one", async () => {
  const ws = await start();
  expect((await refusal(`${ws}/nowhere`, { headers: { "x-request-id": "client-404.a:1" } })).headers["x-request-id"]).toBe("client-404.a:1");
  expect((await refusal(`${ws}/admin`, { headers: { "x-request-id": "client-401" } })).headers["x-request-id"]).toBe("client-401");
  const replaced = (await refusal(`${ws}/nowhere`, { headers: { "x-request-id": "bad id with spaces" } })).headers["x-request-id"];
  expect(replaced).toMatch(/^[A-Za-z0-9_-]{12}$/);

  const own = await accepted(`${ws}/chat`, { "x-request-id": "client-101" });
  expect(own.headers["x-request-id"]).toBe("client-101");
  own.ws.close();
  const fresh = await accepted(`${ws}/chat`);
  expect(fresh.headers["x-request-id"]).toMatch(/^[A-Za-z0-9_-]{12}$/);
  fresh.ws.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const reqIds = logged().map((record) => record.reqId);
  expect(reqIds).toContain(replaced);
  expect(reqIds).toContain("client-101");
  expect(reqIds).toContain(fresh.headers["x-request-id"]);
});
