/**
 * The request line of an exchange that ends after the client left (an abandoned slow request,
 * an SSE stream the browser closed) still names the client's address: the socket no longer
 * knows it by then, so it is read while the request is alive.
 */
import { expect, it } from "vitest";
import { request } from "node:http";
import { App } from "../../runtime/app.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog();

/** Sends GET `path`, waits until the handler is reached (or the headers arrive), then drops the connection. */
async function abandon(url: string, path: string, reached: Promise<void>): Promise<void> {
  const req = request(`${url}${path}`);
  req.on("error", () => undefined);
  req.on("response", (res) => res.resume());
  req.end();
  await reached;
  await new Promise((resolve) => setTimeout(resolve, 50));
  req.destroy();
}

it("an abandoned request and a left SSE stream log the client's ip (status 0)", async () => {
  const app = new App({ dev: false, publicDir: null, templatesDir: null });
  let slowReached!: () => void;
  const slow = new Promise<void>((resolve) => (slowReached = resolve));
  let feedReached!: () => void;
  const feed = new Promise<void>((resolve) => (feedReached = resolve));
  app.get("/slow", async () => {
    slowReached();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return "too late";
  });
  app.get("/feed", (_req, res) => {
    res.sse({ heartbeat: 0 }).send("hello");
    feedReached();
  });
  installRequestLog(app);
  const server = await log.listen(app);
  await abandon(server.url, "/slow", slow);
  await abandon(server.url, "/feed", feed);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const records = log.records();
  expect(records.map((r) => [r.route, r.status, r.ip])).toEqual([
    ["/slow", 0, "127.0.0.1"],
    ["/feed", 0, "127.0.0.1"],
  ]);
});
