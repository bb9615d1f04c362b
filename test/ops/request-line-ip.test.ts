/**
 * The request line of an exchange that ends after the client left (an abandoned slow request,
 * an SSE stream the browser closed) still names the client's address: the socket no longer
 * knows it by then, so it is read while the request is alive.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { request } from "node:http";
import { App } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { installRequestLog } from "../../runtime/ops/request-log.js";

let lines: string[] = [];
let server: RunningServer | null = null;
const destination = { write: (line: string) => void lines.push(line) };

beforeEach(() => {
  lines = [];
  configureLogger({ format: "json", level: "info", destination });
});

afterEach(async () => {
  await server?.close();
  server = null;
  configureLogger();
});

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
  server = await listen(app, { port: 0, host: "127.0.0.1" });
  await abandon(server.url, "/slow", slow);
  await abandon(server.url, "/feed", feed);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(records.map((r) => [r.route, r.status, r.ip])).toEqual([
    ["/slow", 0, "127.0.0.1"],
    ["/feed", 0, "127.0.0.1"],
  ]);
});
