// The JavaScript a server runs per request, without sockets or wrk: each server's request
// listener is called with a fresh IncomingMessage/ServerResponse on a socket that discards what
// is written, all servers in ONE process, measured in interleaved slices (the machine's load then
// hits all of them alike), server CPU µs per request, median over slices. A tina4 variant is a
// runtime folder (dist/runtime of this tree or of a worktree: its own module instances), so
// before/after pairs run side by side (one label per folder: labels sharing a folder share its
// modules and skew each other); swap their order between runs (the first one loaded gets
// Node's internals' type feedback first). Responses: TFB /json and /plaintext as in bench/tfb
// (tina4: a global middleware setting Server; label "…cache": a responseCache memory HIT on /json).
//   node bench/tfb/in-process.mjs /json 16 20000 node=node fastify=fastify tina4=dist/runtime base=/tmp/wt/dist/runtime
import { IncomingMessage, ServerResponse } from "node:http";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
const [path, slicesArg, perArg, ...specs] = process.argv.slice(2);
if (!path || specs.length === 0) {
  console.error("usage: node bench/tfb/in-process.mjs /json|/plaintext slices perSlice label=node|fastify|<runtime dir> ...");
  process.exit(2);
}
process.env.NODE_ENV = "production";
process.env.TINA4_LOG_LEVEL = "warn";
class Sink extends EventEmitter {
  constructor() { super(); this.writable = true; this.destroyed = false; this._httpMessage = null; this._writableState = { corked: 0 }; this.out = ""; }
  write(data, enc, cb) { if (globalThis.SHOW) this.out += data; if (typeof enc === "function") cb = enc; if (cb) process.nextTick(cb); return true; }
  cork() {} uncork() {} setTimeout() {} destroy() { this.destroyed = true; }
}
const variants = [];
for (const spec of specs) {
  const [label, what] = spec.split("=");
  let listener, Resp = ServerResponse;
  if (what === "node") {
    listener = (req, res) => {
      if (req.url === "/json") { const body = JSON.stringify({ message: "Hello, World!" }); res.writeHead(200, { server: "node", "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); }
      else { res.writeHead(200, { server: "node", "content-type": "text/plain", "content-length": 13 }); res.end("Hello, World!"); }
    };
  } else if (what === "fastify") {
    const { default: Fastify } = await import("fastify");
    const app = Fastify({ logger: false });
    app.addHook("onRequest", (request, reply, done) => { reply.header("server", "fastify"); done(); });
    app.get("/json", { schema: { response: { 200: { type: "object", properties: { message: { type: "string" } } } } } }, () => ({ message: "Hello, World!" }));
    app.get("/plaintext", (request, reply) => { reply.header("content-type", "text/plain").send("Hello, World!"); });
    await app.ready();
    listener = app.server.listeners("request")[0];
  } else if (label.includes("cache")) {
    const rt = await import(pathToFileURL(resolve(what, "index.js")).href);
    const app = new rt.App({ publicDir: null, dev: false });
    app.get("/json", () => ({ message: "Hello, World!" }), [rt.responseCache({ ttl: 600, backend: "memory" })]);
    listener = app.handle;
  } else {
    const rt = await import(pathToFileURL(resolve(what, "index.js")).href);
    // tina4 serve uses its TappableResponse; label "…tap" measures with it
    if (label.endsWith("tap")) Resp = (await import(pathToFileURL(resolve(what, "http", "body-tap.js")).href)).TappableResponse;
    const app = rt.app;
    app.configure({ dev: false, publicDir: null, templatesDir: null });
    rt.use((req, res, next) => { res.header("server", "tina4"); return next(); });
    app.get("/json", function () { return { message: "Hello, World!" }; });
    app.get("/plaintext", function (req, res) { return res.text("Hello, World!"); });
    listener = app.handle;
  }
  variants.push({ label, listener, Resp, times: [] });
}
const headers = { host: "127.0.0.1:8080", "user-agent": "wrk", accept: "*/*" };
function one(v) {
  const sock = new Sink();
  const req = new IncomingMessage(sock);
  req.method = "GET"; req.url = path; req.httpVersionMajor = 1; req.httpVersionMinor = 1; req.httpVersion = "1.1";
  req.headers = headers; req.rawHeaders = []; req.complete = true; req.push(null);
  const res = new v.Resp(req);
  res.shouldKeepAlive = true;
  res.assignSocket(sock);
  v.listener(req, res);
  return sock;
}
async function slice(v, n) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) { one(v); if ((i & 255) === 255) await new Promise(setImmediate); }
  await new Promise(setImmediate);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}
globalThis.SHOW = true;
for (const v of variants) { const s = one(v); await new Promise(setImmediate); if (process.env.SHOWRES) console.log(v.label, JSON.stringify(s.out)); }
globalThis.SHOW = false;
const per = Number(perArg);
for (const v of variants) await slice(v, per * 3); // warm
for (let r = 0; r < Number(slicesArg); r++) {
  const order = r % 2 ? [...variants].reverse() : variants;
  for (const v of order) v.times.push(await slice(v, per));
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const base = med(variants[0].times);
for (const v of variants) console.log(`${v.label.padEnd(10)} median ${med(v.times).toFixed(3)} µs  (÷ ${variants[0].label} ${(med(v.times) / base).toFixed(3)})  p25 ${[...v.times].sort((a,b)=>a-b)[v.times.length>>2].toFixed(3)}`);
