// A production-mode tina4 app with WebSocket routes in its own process (built runtime from
// dist/), for the slow-consumer and hostile-input tests. Started with --expose-gc; answers
// "mem" with memory figures after a full GC and "stats" with the flood counters.
import { App, listen } from "../../dist/runtime/index.js";

const app = new App({ publicDir: null, dev: false });
// close codes by route: the "close" test's socket may report its close after the next test's reset
const stats = { attempted: 0, accepted: 0, closeCodes: { close: [], drop: [] } };
const chunk = "x".repeat(64 * 1024);
/** Safety cap: even without the slow-client guard the flood stops here (the test then fails). */
const CAP_BYTES = 400 * 1024 * 1024;

app.websocket("/echo", { message: (socket, data, isBinary) => socket.send(isBinary ? data : String(data)) }, { maxMessage: 64 * 1024 });
app.get("/plain", () => ({ ok: true }));
for (const policy of ["close", "drop"]) {
  app.websocket(`/flood/${policy}`, {
    message: (socket, data) => {
      const until = Date.now() + Number(String(data) || 3000);
      const pump = () => {
        if (!socket.isOpen || Date.now() > until || stats.accepted * chunk.length > CAP_BYTES) return;
        for (let i = 0; i < 16; i++) {
          stats.attempted++;
          if (socket.send(chunk)) stats.accepted++;
        }
        setImmediate(pump);
      };
      pump();
    },
    close: (_socket, code) => void stats.closeCodes[policy].push(code),
  }, { slowClient: policy, maxBuffered: 256 * 1024 });
}

const server = await listen(app, { port: 0, shutdownTimeout: 2 });
process.send({ port: server.port });
process.on("message", async (message) => {
  if (message === "mem") {
    for (let i = 0; i < 3; i++) globalThis.gc();
    const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
    process.send({ heapUsed, rss, external, arrayBuffers });
  } else if (message === "stats") {
    process.send({ ...stats, closeCodes: { close: [...stats.closeCodes.close], drop: [...stats.closeCodes.drop] } });
  } else if (message === "reset") {
    Object.assign(stats, { attempted: 0, accepted: 0, closeCodes: { close: [], drop: [] } });
    process.send({ ok: true });
  } else if (message === "stop") {
    await server.close();
    process.exit(0);
  }
});
