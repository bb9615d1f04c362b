// A production-mode tina4 server in its own process for hostile-input tests. Started with
// --expose-gc; answers "mem" messages with heap figures after a full GC.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, listen } from "../../dist/runtime/index.js";

const root = mkdtempSync(join(tmpdir(), "tina4-fuzz-"));
mkdirSync(join(root, "public"));
writeFileSync(join(root, "public", "index.html"), "<h1>ok</h1>");
writeFileSync(join(root, "secret.txt"), "TOP SECRET");

const app = new App({ publicDir: join(root, "public"), dev: false, maxBody: 64 * 1024 });
// the subject is hostile HTTP input, not auth: the echo routes are open
app.post("/echo", (req) => ({ type: typeof req.body, files: req.files.length }), { secured: false });
app.put("/echo", (req) => ({ type: typeof req.body }), { secured: false });
app.get("/users/{id:int}", (req) => ({ id: req.params.id }));
app.get("/files/{...rest}", (req) => ({ rest: req.params.rest }));
app.get("/q", (req) => ({ keys: Object.keys(req.query).length }));
app.get("/boom", () => {
  throw new Error("internal detail that must not leak");
});
const server = await listen(app, { port: 0, shutdownTimeout: 2 });
process.send({ port: server.port });
process.on("message", async (message) => {
  if (message === "mem") {
    for (let i = 0; i < 3; i++) globalThis.gc();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ heapUsed, rss });
  } else if (message === "stop") {
    await server.close();
    process.exit(0);
  }
});
