// tina4 serving the hello body three ways for the auth benchmark: public, secured with a Bearer
// token (HS256 verified per request), and behind a logged-in session (one session read per
// request from Redis or memory, no write). The ready line carries the header that proves it.
// Usage: node tina4-auth.mjs <mode>   mode: public | bearer | session-redis | session-memory
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH } from "../lib/payload.mjs";

process.env.TINA4_SECRET ??= "bench-secret-0123456789abcdef0123456789abcdef";
const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen, session, signToken } = await import(runtime);

const mode = process.argv[2] ?? "public";
if (!["public", "bearer", "session-redis", "session-memory"].includes(mode)) {
  console.error(`tina4-auth bench server: unknown mode ${mode}`);
  process.exit(2);
}

function redisUrl() {
  if (process.env.TINA4_BENCH_REDIS_URL) return process.env.TINA4_BENCH_REDIS_URL;
  if (process.env.TINA4_TEST_REDIS_URL) return process.env.TINA4_TEST_REDIS_URL;
  const file = new URL("../../.ci/services.env", import.meta.url);
  const line = existsSync(file) ? readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_REDIS_URL=")) : undefined;
  if (line) return line.slice("TINA4_TEST_REDIS_URL=".length);
  console.error("tina4-auth bench server: no Redis URL (set TINA4_BENCH_REDIS_URL or run bash .ci/services.sh start)");
  process.exit(2);
}

const app = new App({ publicDir: null, dev: false });
let headers = {};
if (mode === "public") {
  app.get(HELLO_PATH, () => HELLO);
} else if (mode === "bearer") {
  app.get(HELLO_PATH, (req) => (req.user ? HELLO : null), { secured: true });
  headers = { authorization: `Bearer ${await signToken({ sub: "1", name: "bench" }, { expiresIn: 3600 })}` };
} else {
  const sessions = session(mode === "session-redis" ? { backend: "redis", url: redisUrl() } : { backend: "memory" });
  app.use(sessions);
  app.get(HELLO_PATH, (req) => (req.user ? HELLO : null), { secured: true });
  app.post("/login", async (req) => {
    await req.session.regenerate();
    req.session.set("user", { sub: "1", name: "bench" });
    return { ok: true };
  }, { secured: false });
}
const server = await listen(app, { port: 0, host: "127.0.0.1" });
if (mode.startsWith("session")) {
  const login = await fetch(`http://127.0.0.1:${server.port}/login`, { method: "POST" });
  headers = { cookie: login.headers.getSetCookie()[0].split(";")[0] };
}
announce(server.port, { mode, headers });
exitOn(() => server.close());
