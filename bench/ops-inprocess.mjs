#!/usr/bin/env node
// The request log's cost per request in one process, without sockets: `app.handle` is fed fake
// IncomingMessages (20,000 per slice) for hello JSON, each variant loaded from its own copy of a
// built dist/ (so the logger's module state and the JIT's feedback are separate), the variants
// taking turns (order rotated every turn), CPU time per request from process.cpuUsage(). Prints
// each variant's median and the median of its per-turn difference to the first variant.
// Steadier than bench/ops.mjs on a busy machine for differences of 0.1 µs (docs/operations.md, "Cost").
// Usage (copy dist/ first: `cp -r dist /tmp/a && cp -r dist /tmp/b`):
//   taskset -c 1 node bench/ops-inprocess.mjs ROUNDS PER off=/tmp/a:off log=/tmp/b:log [label=dir:log|off ...]
// Log lines go to /tmp/ops-inprocess-<label>.log (or LOGFILE), removed at the end.
import { IncomingMessage, ServerResponse } from "node:http";
import { rmSync } from "node:fs";
import { EventEmitter } from "node:events";
process.env.NODE_ENV = "production";
process.env.TINA4_LOG_LEVEL = "warn";
class Sink extends EventEmitter {
  constructor() { super(); this.writable = true; this.destroyed = false; this._httpMessage = null; this._writableState = { corked: 0 }; }
  write(data, enc, cb) { if (typeof enc === "function") cb = enc; if (cb) process.nextTick(cb); return true; }
  cork() {} uncork() {} setTimeout() {} destroy() { this.destroyed = true; }
}
const variants = [];
const logFiles = [];
for (const spec of process.argv.slice(4)) {
  const [label, rest] = spec.split("=");
  const [dir, mode] = rest.split(":");
  const rt = await import(`${dir}/runtime/index.js`);
  const app = new rt.App({ publicDir: null, dev: false });
  app.get("/hello", () => ({ message: "Hello, World!" }));
  if (mode === "log") {
    const { configureLogger } = await import(`${dir}/runtime/ops/logger.js`);
    const { installRequestLog } = await import(`${dir}/runtime/ops/request-log.js`);
    const { batchedDestination } = await import(`${dir}/runtime/ops/log-destination.js`);
    configureLogger({ format: "json", level: "info", destination: batchedDestination(process.env.LOGFILE ?? `/tmp/ops-inprocess-${label}.log`) });
    installRequestLog(app);
    logFiles.push(process.env.LOGFILE ?? `/tmp/ops-inprocess-${label}.log`);
  }
  variants.push({ label, listener: app.handle, times: [] });
}
const headers = { host: "127.0.0.1:8080", "user-agent": "wrk", accept: "*/*" };
function one(v) {
  const sock = new Sink();
  sock.remoteAddress = "127.0.0.1";
  const req = new IncomingMessage(sock);
  req.method = "GET"; req.url = "/hello"; req.httpVersionMajor = 1; req.httpVersionMinor = 1; req.httpVersion = "1.1";
  req.headers = headers; req.rawHeaders = []; req.complete = true; req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = true;
  res.assignSocket(sock);
  v.listener(req, res);
}
async function slice(v, n) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) { one(v); if ((i & 255) === 255) await new Promise(setImmediate); }
  await new Promise(setImmediate);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}
const per = Number(process.argv[3] ?? 20000);
for (const v of variants) await slice(v, per * 3);
const rounds = Number(process.argv[2] ?? 12);
for (let r = 0; r < rounds; r++) {
  // rotate the order each round (and reverse every other), so no variant always follows the same one
  let order = [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)];
  if (r & 1) order.reverse();
  for (const v of order) v.times.push(await slice(v, per));
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const base = variants[0];
for (const v of variants) {
  const diffs = v.times.map((t, i) => t - base.times[i]);
  const sd = [...diffs].sort((x, y) => x - y); const q = (p) => (sd[Math.floor(p * (sd.length - 1))] * 1000).toFixed(0);
  console.log(`${v.label.padEnd(10)} [q25 ${q(0.25)} q75 ${q(0.75)}] median ${med(v.times).toFixed(3)} µs  ÷${base.label} ${(med(v.times) / med(base.times)).toFixed(3)}  paired diff median ${(med(diffs) * 1000).toFixed(0)} ns`);
}
for (const file of logFiles) rmSync(file, { force: true });
