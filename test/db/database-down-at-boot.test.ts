/**
 * A database that is down when the app starts, and comes up later. `const db = await
 * Database.connect()` at the top of a route file (as docs/database.md shows) used to fail the
 * app's load: dev showed "App failed to load" on every route until a file changed, and
 * `serve --production` exited with "app failed to start" (a restart loop under Docker). Now the
 * app starts: `/__ready` answers 503 naming the database, the requests that use it 503 JSON,
 * the others 200, and once the database answers everything works without a restart.
 *
 * "Down" is a TCP proxy this test starts in front of the shared PostgreSQL: not listening at
 * first (connection refused), listening later. The shared server itself is never touched.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer, connect, type Server, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "../../runtime/db/database.js";
import { DatabaseError } from "../../runtime/db/errors.js";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

const postgres = serviceUrl("POSTGRES");

/** A proxy to the real server on `port`, started and stopped by the test. */
class Proxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number, private readonly target: URL) {}

  up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The URL of the shared database, through the proxy on `port`. */
function throughProxy(port: number, password?: string): string {
  const url = new URL(postgres!);
  url.host = `127.0.0.1:${port}`;
  if (password !== undefined) url.password = password;
  return url.toString();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe.skipIf(!postgres)("a network database down when the app starts", () => {
  let proxy: Proxy;
  const open: Database[] = [];
  let warnings: string[] = [];
  const write = process.stderr.write.bind(process.stderr);

  beforeEach(async () => {
    proxy = new Proxy(await freePort(), new URL(postgres!));
    warnings = [];
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      warnings.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  });
  afterEach(async () => {
    process.stderr.write = write;
    await Promise.all(open.splice(0).map((db) => db.close()));
    await proxy.down();
  });

  it("Database.connect() resolves with a warning; queries fail 503-unavailable until the server answers, then work", async () => {
    const db = await Database.connect(throughProxy(proxy.port), { connectTimeoutMs: 2_000 });
    open.push(db);
    expect(warnings.join("")).not.toContain(new URL(postgres!).password + "@");
    expect(warnings.join("")).toMatch(/WARN database postgres:\/\/postgres:(\*\*\*|\[redacted\])@127\.0\.0\.1:\d+\/\S+ not available at connect \(\[postgres\] connect ECONNREFUSED/);
    for (let i = 0; i < 2; i++) {
      const failed = await db.fetchOne("SELECT 1 AS one").catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(DatabaseError);
      expect((failed as DatabaseError).code).toBe("T4_ERR_DB_UNAVAILABLE");
      expect((failed as DatabaseError).status).toBe(503);
    }
    await proxy.up();
    expect(await db.fetchOne("SELECT 41 + 1 AS answer")).toEqual({ answer: 42 });
    await db.transaction(async () => expect(await db.fetchOne("SELECT 2 AS two")).toEqual({ two: 2 }));
  });

  it("failFast: true rejects at connect as before (T4_ERR_DB_UNAVAILABLE, no password in the message)", async () => {
    const failed = await Database.connect(throughProxy(proxy.port), { connectTimeoutMs: 2_000, failFast: true }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DatabaseError);
    expect((failed as DatabaseError).code).toBe("T4_ERR_DB_UNAVAILABLE");
    expect(String((failed as Error).message)).not.toContain(new URL(postgres!).password);
  });

  it("a wrong password: a warning at connect, then T4_ERR_DB_AUTH at first use (failFast rejects with it at once)", async () => {
    await proxy.up();
    const wrong = throughProxy(proxy.port, "not-the-password-xyz");
    const db = await Database.connect(wrong, { connectTimeoutMs: 2_000 });
    open.push(db);
    const text = warnings.join("");
    expect(text).toMatch(/WARN database .* not available at connect \(\[postgres\] password authentication failed/);
    expect(text).not.toContain("not-the-password-xyz");
    const failed = await db.fetchOne("SELECT 1").catch((error: unknown) => error);
    expect((failed as DatabaseError).code).toBe("T4_ERR_DB_AUTH");
    expect(String((failed as Error).message)).not.toContain("not-the-password-xyz");
    await expect(Database.connect(wrong, { failFast: true })).rejects.toMatchObject({ code: "T4_ERR_DB_AUTH" });
  });
});

describe.skipIf(!postgres)("tina4 serve with the database down at boot, up later", () => {
  const app = join(tempDir("tina4-db-down-"), "app");
  const init = runCli(["init", app, "--yes"], process.cwd());
  writeFileSync(join(app, "src", "routes", "db.ts"), [
    'import { get, Database } from "tina4";',
    "const db = await Database.connect();",
    'get("/db", async () => (await db.fetchOne("SELECT 41 + 1 AS answer")) ?? {});',
    "",
  ].join("\n"));
  const servers: Array<{ child: import("node:child_process").ChildProcess; exited: Promise<number | null> }> = [];
  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGTERM");
    await Promise.all(servers.map((server) => server.exited));
  });

  for (const mode of ["dev", "production"] as const) {
    it(`${mode}: starts, /__ready 503 naming the database, /db 503 JSON, other routes 200; all 200 once the database is up`, async () => {
      expect(init.code, init.stderr).toBe(0);
      const proxy = new Proxy(await freePort(), new URL(postgres!));
      try {
        const args = mode === "production" ? ["--production", "--workers", "1"] : [];
        const server = await startServe(app, args, {
          TINA4_DATABASE_URL: throughProxy(proxy.port),
          TINA4_SECRET: "b".repeat(64),
          TINA4_DB_CONNECT_TIMEOUT: "1000",
          TINA4_DRAIN_DELAY: "0",
        });
        servers.push(server);
        const ready = await fetch(`${server.url}/__ready`);
        expect(ready.status).toBe(503);
        const readyBody = (await ready.json()) as { status: string; checks: Record<string, string> };
        expect(readyBody).toMatchObject({ status: "unavailable", checks: { database: "unavailable" } });
        expect(readyBody.checks.app ?? "ok").toBe("ok"); // the app itself loaded (dev checks it; it failed before)
        const db = await fetch(`${server.url}/db`, { headers: { accept: "application/json" } });
        expect(db.status).toBe(503);
        expect(db.headers.get("content-type")).toMatch(/application\/json/);
        expect(await db.json()).toMatchObject({ error: "Service Unavailable" });
        const hello = await fetch(`${server.url}/api/hello`);
        expect([hello.status, await hello.json()]).toEqual([200, { message: "Hello from tina4!" }]);
        expect(server.output()).toMatch(/not available at connect/);

        await proxy.up();
        await until("/__ready 200", async () => ((await fetch(`${server.url}/__ready`)).status === 200 ? true : undefined));
        const answered = await fetch(`${server.url}/db`);
        expect([answered.status, await answered.json()]).toEqual([200, { answer: 42 }]);
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
      } finally {
        await proxy.down();
      }
    }, 90_000);
  }
});
