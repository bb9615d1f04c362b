/**
 * `tina4 serve --production` judges the app's sessions at start, on the primary, once: sessions
 * no other machine sees (file; memory with one worker) are a coloured warning naming the
 * setting and the value to use; sessions in each worker's memory with 2+ workers are an error
 * (a login is lost on most requests): the server refuses to serve. Shared stores (database on
 * SQLite or PostgreSQL, Redis) and apps without sessions say nothing.
 * Real CLI in a `tina4 init`ed app with an empty HOME.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { freshRequest } from "../support/fresh-request.js";

const postgresUrl = serviceUrl("POSTGRES");
const redisUrl = serviceUrl("REDIS");
const home = tempDir("tina4-home-");
let app: string;
/** The same app, its sessions declared in code: `use(session({ backend: "memory" }))`. */
let coded: string;

const FILE_WARNING = "sessions are on the file backend (TINA4_SESSION_BACKEND=file)";
const START = "production server on";

beforeAll(() => {
  const root = tempDir("tina4-sessions-");
  app = join(root, "app");
  coded = join(root, "coded");
  for (const dir of [app, coded]) {
    const init = runCli(["init", dir, "--yes"], root, { HOME: home });
    expect(init.code, init.stderr).toBe(0);
  }
  expect(readFileSync(join(app, ".env"), "utf8")).toMatch(/^TINA4_SESSION_BACKEND=file$/m);
  mkdirSync(join(coded, "src", "routes"), { recursive: true });
  writeFileSync(join(coded, "src", "routes", "sessions.ts"), 'import { use, session } from "tina4";\nuse(session({ backend: "memory" }));\n');
}, 60_000);

interface Run {
  code: number | null;
  output: string;
  /** The server's URL when it started. */
  url: string | null;
}

/**
 * Starts `tina4 serve --production` in `dir` and returns once it serves (then, after `probe`,
 * stops it with SIGTERM) or once it exits on its own.
 */
async function serveProduction(dir: string, workers: string, env: Record<string, string>, probe?: (url: string) => Promise<void>): Promise<Run> {
  const childEnv = cliEnv({ HOME: home, TINA4_DRAIN_DELAY: "0", ...env });
  if (env.FORCE_COLOR === "1") delete childEnv.NO_COLOR; // kleur colours only without NO_COLOR
  const child = spawn(process.execPath, [bin, "serve", "--production", "--workers", workers, "--port", "0", "--host", "127.0.0.1"], { cwd: dir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  for (let i = 0; i < 1200 && !done && !output.includes(START); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const url = /production server on (http:\/\/[\d.]+:\d+)/.exec(output.replace(/\x1b\[\d+m/g, ""))?.[1] ?? null;
  try {
    if (url && probe) await probe(url);
  } finally {
    if (!done) child.kill("SIGTERM");
  }
  return { code: await exited, output, url };
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** A session is made and found again on new connections (so whichever worker answers). */
async function sessionWorks(url: string): Promise<void> {
  const first = await freshRequest(`${url}/__csrf`);
  expect(first.status).toBe(200);
  const cookie = first.setCookies.find((c) => c.startsWith("tina4_session="))!.split(";")[0]!;
  for (let i = 0; i < 4; i++) {
    const again = await freshRequest(`${url}/__csrf`, { headers: { cookie } });
    expect(again.json<{ token: string }>().token).toBe(first.json<{ token: string }>().token);
  }
}

describe("serve --production: sessions the workers or machines cannot share", () => {
  it("file sessions (init's .env) with 2 workers: one coloured warning at start, before the server line, naming TINA4_SESSION_BACKEND=database", async () => {
    const run = await serveProduction(app, "2", { TINA4_SESSION: "true", FORCE_COLOR: "1" }, sessionWorks);
    expect(run.url, run.output).not.toBeNull();
    expect(count(run.output, FILE_WARNING), run.output).toBe(1);
    expect(run.output.indexOf(FILE_WARNING)).toBeLessThan(run.output.indexOf(START));
    expect(run.output).toContain("set TINA4_SESSION_BACKEND=database");
    expect(run.output).toMatch(/\x1b\[33m!\x1b\[39m sessions are on the file backend/); // ui.warn's yellow mark
    expect(run.code, run.output).toBe(0);
  }, 90_000);

  it("file sessions while the cache is on Redis: the warning says to remove TINA4_SESSION_BACKEND or set it to redis", async () => {
    if (!redisUrl) return;
    const run = await serveProduction(app, "2", { TINA4_SESSION: "true", TINA4_CACHE_BACKEND: "redis", TINA4_CACHE_URL: redisUrl });
    expect(count(run.output, `${FILE_WARNING} while the cache is on redis`), run.output).toBe(1);
    expect(run.output).toContain("Remove TINA4_SESSION_BACKEND (e.g. from .env) so sessions follow TINA4_CACHE_BACKEND, or set it to redis");
    expect(run.code, run.output).toBe(0);
  }, 90_000);

  it("an app that uses no sessions says nothing about them, whatever the backend", async () => {
    for (const backend of ["file", "memory"]) {
      const run = await serveProduction(app, "2", { TINA4_SESSION_BACKEND: backend });
      expect(run.url, run.output).not.toBeNull();
      expect(run.output).not.toContain("sessions are");
      expect(run.code, run.output).toBe(0);
    }
  }, 90_000);

  it("memory sessions with 2 workers: refuses to serve, exit 1, one error naming TINA4_SESSION_BACKEND=file and --workers 1", async () => {
    const run = await serveProduction(app, "2", { TINA4_SESSION: "true", TINA4_SESSION_BACKEND: "memory" });
    expect(run.url, run.output).toBeNull();
    expect(run.code, run.output).toBe(1);
    expect(count(run.output, "refusing to serve: sessions are kept in each worker's memory (TINA4_SESSION_BACKEND=memory), and 2 workers serve in turn"), run.output).toBe(1);
    expect(run.output).toContain("Set TINA4_SESSION_BACKEND=file");
    expect(run.output).toContain("or serve with --workers 1");
  }, 90_000);

  it("memory sessions declared in code (session({ backend: \"memory\" })) with 2 workers: refused too, naming the option to change", async () => {
    const run = await serveProduction(coded, "2", {});
    expect(run.url, run.output).toBeNull();
    expect(run.code, run.output).toBe(1);
    expect(count(run.output, 'refusing to serve: sessions are kept in each worker\'s memory (session({ backend: "memory" }) in the app)'), run.output).toBe(1);
    expect(run.output).toContain('Change it to session({ backend: "file" })');
  }, 90_000);

  it("memory sessions with --workers 1: serves (one process holds them) and warns once that restarts log everybody out", async () => {
    const run = await serveProduction(app, "1", { TINA4_SESSION: "true", TINA4_SESSION_BACKEND: "memory" }, sessionWorks);
    expect(run.url, run.output).not.toBeNull();
    expect(count(run.output, "sessions are kept in this worker's memory (TINA4_SESSION_BACKEND=memory): every restart logs everybody out"), run.output).toBe(1);
    expect(run.output).toContain("Set TINA4_SESSION_BACKEND=database (the app's own database");
    expect(run.code, run.output).toBe(0);
  }, 90_000);

  it("shared stores say nothing: database on SQLite, database on PostgreSQL, Redis", async () => {
    const cases: Array<Record<string, string>> = [{ TINA4_SESSION_BACKEND: "database" }];
    if (postgresUrl) cases.push({ TINA4_SESSION_BACKEND: "database", TINA4_DATABASE_URL: postgresUrl });
    if (redisUrl) cases.push({ TINA4_SESSION_BACKEND: "redis", TINA4_SESSION_URL: redisUrl });
    for (const env of cases) {
      const run = await serveProduction(app, "2", { TINA4_SESSION: "true", ...env }, sessionWorks);
      expect(run.url, run.output).not.toBeNull();
      expect(run.output).not.toContain("sessions are");
      expect(run.code, run.output).toBe(0);
    }
  }, 120_000);
});
