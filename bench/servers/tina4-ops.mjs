// tina4 serving the hello body with the operations features: off, the request log at info
// (JSON lines to a file, as production with stdout redirected), or /__metrics counting.
// Usage: node tina4-ops.mjs <mode> [dist]   mode: off | log | metrics | log+metrics; dist: the built
// dist/ to load (default TINA4_BENCH_DIST, else this checkout's)
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH } from "../lib/payload.mjs";

const dist = process.argv[3] ?? process.env.TINA4_BENCH_DIST ?? new URL("../../dist/", import.meta.url).pathname;
const { App, listen } = await import(pathToFileURL(join(dist, "runtime/index.js")).href);
const { configureLogger } = await import(pathToFileURL(join(dist, "runtime/ops/logger.js")).href);
const { installRequestLog } = await import(pathToFileURL(join(dist, "runtime/ops/request-log.js")).href);
const { installMetrics } = await import(pathToFileURL(join(dist, "runtime/ops/metrics.js")).href);

const mode = process.argv[2] ?? "off";
if (!["off", "log", "metrics", "log+metrics"].includes(mode)) {
  console.error(`tina4-ops bench server: unknown mode ${mode}`);
  process.exit(2);
}
const app = new App({ publicDir: null, dev: false });
app.get(HELLO_PATH, () => HELLO);
const logFile = join(tmpdir(), `tina4-ops-bench-${process.pid}.log`);
if (mode.includes("log")) {
  // the writer production uses for stdout, on a file: as `serve --production > app.log`
  const batched = join(dist, "runtime/ops/log-destination.js");
  const destination = existsSync(batched)
    ? (await import(pathToFileURL(batched).href)).batchedDestination(logFile)
    : // builds before log-destination.ts: pino's asynchronous writer with a 4 KiB buffer, as their stdout
      createRequire(join(dist, "runtime/index.js"))("pino").destination({ dest: logFile, sync: false, minLength: 4096 });
  configureLogger({ format: "json", level: "info", destination });
  installRequestLog(app);
}
// tens of MB per run: removed at exit (after the log's own exit flush, registered before this)
process.on("exit", () => rmSync(logFile, { force: true }));
if (mode.includes("metrics")) installMetrics(app, { token: "" });
const server = await listen(app, { port: 0, host: "127.0.0.1" });
announce(server.port, { mode, logFile });
exitOn(() => server.close());
