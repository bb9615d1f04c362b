// Fastify 5 serving the hello body with its logger off, or on at info as its users run it in
// production: pino JSON lines to a file through pino's asynchronous writer, Fastify's default
// request logging ("incoming request" + "request completed", two lines per request) or one line
// per request (a LogController with disableRequestLogging + an onResponse hook, the shape of tina4's request line).
// The reference for bench/ops.mjs's logging cost. Usage: node fastify-ops.mjs <off|log|log1>
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { LogController } from "fastify";
import pino from "pino";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH } from "../lib/payload.mjs";

const mode = process.argv[2] ?? "off";
if (!["off", "log", "log1"].includes(mode)) {
  console.error(`fastify-ops bench server: unknown mode ${mode}`);
  process.exit(2);
}
const logFile = join(tmpdir(), `fastify-ops-bench-${process.pid}.log`);
const logger = mode === "off" ? false : { level: "info", stream: pino.destination({ dest: logFile, sync: false, minLength: 4096 }) };
const app = Fastify({ logger, ...(mode === "log1" ? { logController: new LogController({ disableRequestLogging: true }) } : {}) });
if (mode === "log1") {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime, ip: request.ip });
    done();
  });
}
const schema = { response: { 200: { type: "object", properties: { message: { type: "string" } } } } };
app.get(HELLO_PATH, { schema }, () => HELLO);
process.on("exit", () => rmSync(logFile, { force: true }));
await app.listen({ port: 0, host: "127.0.0.1" });
announce(app.server.address().port, { mode, logFile });
exitOn(() => app.close());
