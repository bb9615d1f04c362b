/**
 * The app written once, run as two `tina4 serve --production --workers 2` instances plus a
 * `tina4 worker`, configured only through environment variables on one PostgreSQL and one
 * Redis: what one instance starts, the other continues. The pieces other files test alone
 * (sessions, rate limits, caches, broadcasts: test/session/distributed, test/middleware/*-distributed,
 * test/db/query-cache-distributed, test/realtime/cluster-e2e) are not repeated; this covers the
 * seams between them: a CSRF token fetched on A accepted on B, loginThrottle() counting failures
 * over both instances, a logout on A closing the session's WebSocket on B (4401), and a job
 * queued on A run exactly once by the worker, whose broadcast reaches a WebSocket client of B.
 * Every HTTP request opens a new connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "../../runtime/db/index.js";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";
import { startWorker, type WorkerProcess } from "../jobs/support.js";
import { connect, wsUrl, type Client } from "../realtime/support.js";
import { uniqueName } from "../db/helpers.js";

const postgres = serviceUrl("POSTGRES");
const redis = serviceUrl("REDIS");
const runs = uniqueName("e2e_runs");
let app: string;
const servers: Array<Awaited<ReturnType<typeof startServe>>> = [];
const workers: WorkerProcess[] = [];
const clients: Client[] = [];

function file(path: string, source: string): void {
  mkdirSync(join(app, ...path.split("/").slice(0, -1)), { recursive: true });
  writeFileSync(join(app, ...path.split("/")), source);
}

beforeAll(() => {
  app = join(tempDir(), "two-instances");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  // a login of the app's own: the password is "right" for any email (the subject is the throttle and the session)
  file("src/routes/login/post.ts", `import { loginThrottle, type Request, type Response } from "tina4";
export const secured = false;
export const middleware = [loginThrottle({ maxAttempts: 3, maxAttemptsPerIp: 1000, decaySeconds: 60 })];
export default async (req: Request, res: Response) => {
  const { email, password } = req.body as { email: string; password: string };
  if (password !== "right") return res.json({ error: "Invalid email or password" }, 401);
  await req.session.regenerate();
  req.session.set("user", { sub: email, email });
  return { ok: true };
};
`);
  file("src/routes/logout/post.ts", 'import type { Request } from "tina4";\nexport default async (req: Request) => { await req.session.destroy(); return { ok: true }; };\n');
  file("src/routes/me/ws.ts", 'import type { Socket } from "tina4";\nexport const secured = true;\nexport function open(socket: Socket) { socket.send(String(socket.user?.email)); }\n');
  file("src/routes/notes/post.ts", 'import type { Request } from "tina4";\nexport default (req: Request) => ({ saved: true, by: req.user?.email ?? null });\n');
  file("src/routes/jobs/post.ts", 'import { queue, type Request } from "tina4";\nexport const secured = false;\nexport default async (req: Request) => ({ id: await queue("work").add(req.body as { tag: string }) });\n');
  file("src/routes/lobby/ws.ts", 'import type { Socket } from "tina4";\nexport function open(socket: Socket) { socket.join("lobby"); socket.send("joined"); }\n');
  file("src/jobs/work.ts", `import { broadcast, Database, type Job } from "tina4";
const db = await Database.connect();
export default async (job: Job<{ tag: string }>) => {
  await db.execute("INSERT INTO ${runs} (tag, pid) VALUES (?, ?)", [job.data.tag, process.pid]);
  await broadcast("lobby", { tag: job.data.tag });
};
`);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.ws.terminate();
  for (const server of servers) server.child.kill("SIGTERM");
  for (const worker of workers) worker.child.kill("SIGTERM");
  await Promise.all([...servers.map((s) => s.exited), ...workers.map((w) => w.exited)]);
  if (postgres) {
    const db = await Database.connect(postgres);
    await db.execute(`DROP TABLE IF EXISTS ${runs}`);
    await db.execute(`DROP TABLE IF EXISTS ${runs}_jobs`);
    await db.close();
  }
});

const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

// Skipped only locally when a server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
describe.skipIf(!postgres || !redis)("two production instances and a worker on one PostgreSQL and one Redis", () => {
  it("share CSRF tokens, login throttling, logouts (WebSockets too) and jobs whose broadcasts reach the other instance", async () => {
    const db = await Database.connect(postgres!);
    await db.execute(`CREATE TABLE ${runs} (id SERIAL PRIMARY KEY, tag VARCHAR(100) NOT NULL, pid INTEGER NOT NULL)`);
    await db.close();
    const env = {
      TINA4_DATABASE_URL: postgres!,
      TINA4_CACHE_BACKEND: "redis",
      TINA4_CACHE_URL: redis!,
      TINA4_SESSION_BACKEND: "redis", // init's .env keeps dev sessions on files
      TINA4_SESSION: "true",
      TINA4_QUEUE_TABLE: `${runs}_jobs`,
      TINA4_PUBSUB_PREFIX: runs,
      TINA4_QUEUE_POLL_INTERVAL: "50",
      TINA4_DRAIN_DELAY: "0", // the stop at the end need not wait for a balancer
      TINA4_LOG_LEVEL: "error",
    };
    const [a, b] = await Promise.all([0, 1].map(() => startServe(app, ["--production", "--workers", "2", "--host", "127.0.0.1"], env)));
    servers.push(a!, b!);
    workers.push(await startWorker(app, env));

    // loginThrottle: 3 failures for one email, alternating instances, then 429 on either — even for the right password
    const email = `ann-${runs}@example.com`;
    for (const base of [a!.url, b!.url, a!.url]) expect((await freshRequest(`${base}/login`, post({ email, password: "wrong" }))).status).toBe(401);
    expect((await freshRequest(`${b!.url}/login`, post({ email, password: "right" }))).status).toBe(429);
    expect((await freshRequest(`${a!.url}/login`, post({ email, password: "wrong" }))).status).toBe(429);

    // a session from A, its CSRF token fetched on A, used for a write on B
    const other = `bob-${runs}@example.com`;
    const login = await freshRequest(`${a!.url}/login`, post({ email: other, password: "right" }));
    expect(login.status).toBe(200);
    const cookie = login.setCookies.find((c) => c.startsWith("tina4_session="))!.split(";")[0]!;
    const token = (await freshRequest(`${a!.url}/__csrf`, { headers: { cookie } })).json<{ token: string }>().token;
    expect((await freshRequest(`${b!.url}/notes`, post({}, { cookie }))).status).toBe(403);
    const note = await freshRequest(`${b!.url}/notes`, post({}, { cookie, "x-csrf-token": token }));
    expect(note.status).toBe(200);
    expect(note.json()).toEqual({ saved: true, by: other });

    // a WebSocket that session opened on B closes when the user logs out on A
    const mine = await connect(wsUrl(b!.url, "/me"), { headers: { cookie } });
    clients.push(mine);
    expect(await mine.next()).toBe(other);
    expect((await freshRequest(`${a!.url}/logout`, post({}, { cookie, "x-csrf-token": token }))).status).toBe(200);
    await expect.poll(() => mine.ws.readyState, { timeout: 5_000 }).toBe(mine.ws.CLOSED);
    expect(await mine.closed).toEqual({ code: 4401, reason: "Session ended" });
    clients.splice(clients.indexOf(mine), 1);

    // jobs queued on A (and B), each run once by the worker; every broadcast reaches B's sockets
    for (let i = 0; i < 2; i++) {
      const client = await connect(wsUrl(b!.url, "/lobby"));
      clients.push(client);
      expect(await client.next()).toBe("joined");
    }
    const tags = Array.from({ length: 6 }, (_, i) => `${runs}-${i}`);
    for (const [i, tag] of tags.entries()) expect((await freshRequest(`${[a!, b!][i % 2]!.url}/jobs`, post({ tag }))).status).toBe(200);
    for (const client of clients) {
      await expect.poll(() => client.messages.length, { timeout: 15_000 }).toBe(1 + tags.length);
      expect(client.messages.slice(1).map((m) => (JSON.parse(String(m)) as { tag: string }).tag).sort()).toEqual([...tags].sort());
    }
    const check = await Database.connect(postgres!);
    const rows = await check.fetch<{ tag: string; pid: number }>(`SELECT tag, pid FROM ${runs} ORDER BY tag`, [], { limit: 100, cache: false });
    await check.close();
    expect(rows.records.map((r) => r.tag)).toEqual([...tags].sort());
    expect(new Set(rows.records.map((r) => r.pid))).toEqual(new Set([workers[0]!.pid]));
  }, 120_000);
});
