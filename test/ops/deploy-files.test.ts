import { describe, expect, it } from "vitest";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, type CopySyncOptions } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { cliEnv, repoRoot, runCli, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";
import { SETTINGS } from "../../runtime/config/settings.js";

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions in order (continuation lines joined, comments dropped), with their stage. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of text.replace(/\\\n\s*/g, " ").split("\n")) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const [op = "", ...rest] = trimmed.split(/\s+/);
    if (op.toUpperCase() === "FROM") stage++;
    out.push({ op: op.toUpperCase(), args: rest.join(" "), stage });
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** COPY as BuildKit does it: files and folders keep their modification times. */
function copy(from: string, to: string, options: CopySyncOptions = {}): void {
  cpSync(from, to, { recursive: true, preserveTimestamps: true, ...options });
  const keepFolderTimes = (source: string, target: string): void => {
    if (!existsSync(target) || !lstatSync(source).isDirectory()) return; // symlinks (node_modules/tina4) are not followed
    for (const name of readdirSync(source)) keepFolderTimes(join(source, name), join(target, name));
    const { atime, mtime } = statSync(source);
    utimesSync(target, atime, mtime);
  };
  keepFolderTimes(from, to);
}

/** What `npm install` / `npm ci` give the image, linked from this repo instead of downloaded (no registry here). */
function installLinked(dir: string): void {
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  if (!existsSync(join(dir, "node_modules", "tina4"))) symlinkSync(repoRoot, join(dir, "node_modules", "tina4"), "dir");
  if (!existsSync(join(dir, "node_modules", ".bin", "tina4"))) symlinkSync(join(repoRoot, "bin", "tina4"), join(dir, "node_modules", ".bin", "tina4"));
}

interface ComposeService {
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { disable?: boolean };
  ports?: string[];
  restart?: string;
  stop_signal?: string;
  stop_grace_period?: string;
}

/** compose.yaml as Compose reads it: YAML merge keys (`<<: *anchor`) applied. */
function readCompose(dir: string): { services: Record<string, ComposeService> } {
  return parseYaml(readFileSync(join(dir, "compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
}

/** What Compose hands the container: `$$` is a literal `$`, `${NAME:?message}` the variable from `vars`. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?::\?[^}]*)?\}/g, (match, name: string | undefined) => (name === undefined ? "$" : vars[name] ?? match));
}

/** A child process whose output is collected; `until` waits for a piece of it. */
function run(command: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const until = async (done: () => boolean, seconds: number) => {
    for (let i = 0; i < seconds * 10 && !done() && child.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return done();
  };
  return { child, exited, until, output: () => output };
}

describe("tina4 init deploy files", () => {
  const app = join(tempDir("tina4-deploy-"), "app");
  const init = runCli(["init", app, "--yes"], process.cwd());

  it("writes a multi-stage Dockerfile, .dockerignore and compose.yaml (app + PostgreSQL + Valkey)", () => {
    expect(init.code, init.stderr).toBe(0);
    const steps = instructions(readFileSync(join(app, "Dockerfile"), "utf8"));
    expect(steps.filter((step) => step.op === "FROM")).toHaveLength(2);
    const final = steps.filter((step) => step.stage === 1);
    expect(final.map((step) => step.op)).toEqual(expect.arrayContaining(["USER", "HEALTHCHECK", "STOPSIGNAL", "CMD"]));
    expect(final.find((step) => step.op === "RUN" && step.args.includes("npm ci"))?.args).toContain("--omit=dev");
    expect(steps.some((step) => step.stage === 0 && step.op === "RUN" && /tina4 build/.test(step.args))).toBe(true);
    expect(final.find((step) => step.op === "USER")?.args).toBe("node");
    expect(final.find((step) => step.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
    expect(final.find((step) => step.op === "HEALTHCHECK")?.args).toContain("/__ready");
    expect(JSON.parse(final.find((step) => step.op === "CMD")!.args)).toEqual(expect.arrayContaining(["serve", "--production", "--host", "0.0.0.0"]));
    const ignored = readFileSync(join(app, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", ".env", "dist", "data"]));
    const compose = readCompose(app);
    expect(Object.keys(compose.services).sort()).toEqual(["app", "postgres", "valkey", "worker"]);
    const env = compose.services.app!.environment!;
    expect(env.TINA4_DATABASE_URL).toMatch(/^postgres:\/\/app:app@postgres:5432\/app$/);
    expect(env.TINA4_CACHE_BACKEND).toBe("valkey");
    expect(env.TINA4_CACHE_URL).toBe("redis://valkey:6379");
    expect(env.TINA4_SECRET).toMatch(/\$\{TINA4_SECRET:\?/);
    expect(Object.keys(compose.services.app!.depends_on!).sort()).toEqual(["postgres", "valkey"]);
  });

  it("compose turns metrics on only behind a required token, and init writes a random one into .env (for compose only)", () => {
    expect(init.code, init.stderr).toBe(0);
    const compose = readCompose(app) as { services: { app: { environment: Record<string, string>; ports?: string[] } } };
    const env = compose.services.app.environment;
    expect(env.TINA4_METRICS).toBe("true");
    expect(compose.services.app.ports).toContain("7148:7148"); // published with the app: /__metrics is reachable
    // `${VAR:?message}`: compose refuses to start while the variable is unset or empty
    expect(env.TINA4_METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?[^}]+\}$/);
    const dotenv = readFileSync(join(app, ".env"), "utf8");
    const token = /^METRICS_TOKEN=(.*)$/m.exec(dotenv)?.[1];
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toBe(/^TINA4_SECRET=(.*)$/m.exec(dotenv)?.[1]);
    const other = join(tempDir("tina4-deploy-"), "other");
    expect(runCli(["init", other, "--yes"], process.cwd()).code).toBe(0);
    expect(/^METRICS_TOKEN=(.*)$/m.exec(readFileSync(join(other, ".env"), "utf8"))?.[1]).not.toBe(token); // one per app
    expect(readFileSync(join(app, ".env.example"), "utf8")).toMatch(/^METRICS_TOKEN=$/m); // never the real one
    expect(dotenv).not.toMatch(/^TINA4_METRICS_TOKEN=/m); // dev's own /__metrics is unchanged
  });

  it("every RUN and CMD step works in order in a scratch copy (npm steps linked), the HEALTHCHECK passes, SIGTERM stops it", async () => {
    expect(init.code, init.stderr).toBe(0);
    const steps = instructions(readFileSync(join(app, "Dockerfile"), "utf8"));
    const ignore = new Set(readFileSync(join(app, ".dockerignore"), "utf8").split("\n").filter(Boolean));
    const scratch = tempDir("tina4-image-");
    const stageDirs = [join(scratch, "build"), join(scratch, "final")];
    const env: Record<string, string> = {};
    let healthcheck: string[] = [];
    let cmd: string[] = [];
    for (const step of steps) {
      const dir = stageDirs[step.stage]!;
      if (step.op === "WORKDIR") mkdirSync(dir, { recursive: true });
      if (step.op === "ENV") for (const [, name, value] of step.args.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
      if (step.op === "COPY") {
        const parts = step.args.split(/\s+/);
        const from = parts[0]!.startsWith("--from=") ? stageDirs[0]! : app;
        const [source, target] = parts.filter((part) => !part.startsWith("--"));
        // COPY keeps modification times: the image's dist/ stays newer than its sources
        if (source === ".") copy(app, dir, { filter: (path) => !ignore.has(path.slice(app.length + 1).split("/")[0]!) });
        else if (source!.endsWith("package*.json")) copy(join(from, "package.json"), join(dir, "package.json"));
        else copy(join(from, source!.replace(/^\/app\//, "")), target === "./" ? join(dir, basename(source!)) : join(dir, target!));
      }
      if (step.op === "RUN") {
        if (/^npm (install|ci)\b/.test(step.args)) installLinked(dir);
        const rest = step.args.replace(/^npm (install|ci)[^&]*(&&)?/, "").replace(/npm cache clean --force/, "true").replace(/chown node:node data/, "true").trim();
        if (rest) {
          const run = spawnSync("sh", ["-c", rest], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env, NODE_ENV: "" } });
          expect(run.status, `${step.args}\n${run.stdout}${run.stderr}`).toBe(0);
        }
      }
      if (step.op === "HEALTHCHECK") healthcheck = JSON.parse(step.args.slice(step.args.indexOf("CMD ") + 4)) as string[];
      if (step.op === "CMD") cmd = JSON.parse(step.args) as string[];
    }
    const final = stageDirs[1]!;
    expect(existsSync(join(final, "dist", "server.mjs"))).toBe(true);
    const port = String(await freePort());
    const runEnv = { ...process.env, ...env, TINA4_PORT: port, TINA4_SECRET: "a".repeat(64), TINA4_DRAIN_DELAY: "0" };
    const server = spawn(cmd[0]!, cmd.slice(1), { cwd: final, env: runEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout!.on("data", (chunk) => (output += chunk));
    server.stderr!.on("data", (chunk) => (output += chunk));
    try {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        healthy = spawnSync(healthcheck[0]!, healthcheck.slice(1), { env: runEnv }).status === 0;
      }
      expect(healthy, output).toBe(true);
      for (let i = 0; i < 50 && !output.includes("production server on"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toMatch(new RegExp(`production server on http://0\\.0\\.0\\.0:${port}`));
      expect(output).not.toContain("building dist/"); // the image's own build is current
    } finally {
      server.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => server.once("exit", resolve));
    expect(code, output).toBe(0);
  }, 120_000);

  it("compose's app command applies the migrations before it serves (a fresh database has no tables), and names the drivers to add", async () => {
    const composeText = readFileSync(join(app, "compose.yaml"), "utf8");
    expect(composeText).toContain("npm install pg redis"); // the image installs only what package.json lists
    const compose = readCompose(app);
    const command = compose.services.app.command;
    expect(command, "compose.yaml's app has a command").toBeDefined();
    // the image's folder, as the Dockerfile leaves it, with a model's migration to apply
    const image = join(tempDir("tina4-compose-"), "app");
    copy(app, image);
    const model = runCli(["generate", "model", "Note", "--fields", "body:string"], image);
    expect(model.code, model.stderr).toBe(0);
    installLinked(image);
    const port = String(await freePort());
    const env = { ...process.env, NODE_ENV: "production", TINA4_PORT: port, TINA4_SECRET: "a".repeat(64), TINA4_DRAIN_DELAY: "0", TINA4_DATABASE_URL: "sqlite:data/app.db" };
    const server = spawn(command![0]!, command!.slice(1), { cwd: image, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout!.on("data", (chunk) => (output += chunk));
    server.stderr!.on("data", (chunk) => (output += chunk));
    try {
      for (let i = 0; i < 300 && !output.includes("production server on") && server.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toMatch(/apply \d{14}_create_notes[\s\S]*production server on/);
      const ready = await fetch(`http://127.0.0.1:${port}/__ready`);
      expect(ready.status, output).toBe(200);
    } finally {
      server.kill("SIGTERM"); // exec: the signal reaches tina4, which drains and exits 0
    }
    const code = await new Promise((resolve) => server.once("exit", resolve));
    expect(code, output).toBe(0);
  }, 120_000);
  it("compose's worker service: the app's image and env wiring (names from the settings registry), waits for healthy PostgreSQL and Valkey, no /__ready healthcheck, SIGTERM with a grace period over the job timeout", () => {
    const compose = readCompose(app);
    const { app: web, worker } = compose.services;
    expect(worker, "compose.yaml has a worker service").toBeDefined();
    expect(worker!.build).toBe(web!.build);
    // the same database, cache/queue server and secret as the app; the app's extras are its /__metrics
    expect(worker!.environment).toEqual(Object.fromEntries(Object.entries(web!.environment!).filter(([name]) => !name.startsWith("TINA4_METRICS"))));
    expect(Object.keys(worker!.environment!)).toEqual(expect.arrayContaining(["TINA4_SECRET", "TINA4_DATABASE_URL", "TINA4_CACHE_BACKEND", "TINA4_CACHE_URL"]));
    for (const [name, service] of Object.entries(compose.services)) {
      for (const key of Object.keys(service.environment ?? {}).filter((key) => key.startsWith("TINA4_"))) {
        expect(Object.keys(SETTINGS), `${name}: ${key} is a tina4 setting`).toContain(key);
      }
    }
    expect(worker!.depends_on).toEqual({ postgres: { condition: "service_healthy" }, valkey: { condition: "service_healthy" } });
    expect(worker!.healthcheck).toEqual({ disable: true }); // the image's HEALTHCHECK asks /__ready, which a worker does not serve
    expect(worker!.ports).toBeUndefined();
    expect(worker!.restart).toBe("unless-stopped");
    expect(worker!.stop_signal).toBe("SIGTERM");
    const grace = Number(/^(\d+)s$/.exec(worker!.stop_grace_period ?? "")?.[1]);
    expect(grace).toBeGreaterThan(SETTINGS.TINA4_SHUTDOWN_TIMEOUT.default); // active jobs get TINA4_SHUTDOWN_TIMEOUT, then it exits
    expect(readFileSync(join(app, "compose.yaml"), "utf8")).toMatch(/--scale worker=/); // the scaling note
  });

  const valkeyUrl = serviceUrl("VALKEY");
  // Skipped only locally when the Valkey URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required.
  it.skipIf(!valkeyUrl)("compose's worker command runs the jobs the app's command queues (scratch copy of the app, SQLite for PostgreSQL, the local Valkey), and stops on SIGTERM with exit 0", async () => {
    const compose = readCompose(app);
    // the image's folder with a job and a route that queues it
    const image = join(tempDir("tina4-compose-worker-"), "app");
    copy(app, image);
    const job = runCli(["generate", "job", "notes"], image);
    expect(job.code, job.stderr).toBe(0);
    writeFileSync(join(image, "src", "jobs", "notes.ts"), 'import { writeFileSync } from "node:fs";\nexport default async (job: { id: string; data: { text: string } }) => {\n  writeFileSync(`data/note-${job.data.text}.txt`, String(process.pid));\n};\n');
    mkdirSync(join(image, "src", "routes", "api", "note"), { recursive: true });
    writeFileSync(join(image, "src", "routes", "api", "note", "get.ts"), 'import { queue } from "tina4";\nexport default async (req: { query: Record<string, string> }) => ({ id: await queue("notes").add({ text: req.query.text }) });\n');
    installLinked(image);
    const port = String(await freePort());
    const secret = "a".repeat(64);
    // what the containers get: the image's ENV, then the service's environment, hosts mapped to this machine
    const containerEnv = (service: ComposeService): NodeJS.ProcessEnv => {
      const env = Object.fromEntries(Object.entries(service.environment!).map(([name, value]) => [name, interpolate(value, { TINA4_SECRET: secret, METRICS_TOKEN: "t" })]));
      expect(env.TINA4_DATABASE_URL).toBe("postgres://app:app@postgres:5432/app");
      expect(env.TINA4_CACHE_URL).toBe("redis://valkey:6379");
      return { ...cliEnv(), NODE_ENV: "production", TINA4_HOST: "127.0.0.1", TINA4_PORT: port, TINA4_DRAIN_DELAY: "0", ...env, TINA4_DATABASE_URL: "sqlite:data/app.db", TINA4_CACHE_URL: valkeyUrl! };
    };
    const command = (service: ComposeService) => service.command!.map((part) => interpolate(part, {}));
    const web = run(command(compose.services.app!), image, containerEnv(compose.services.app!));
    const worker = run(command(compose.services.worker!), image, containerEnv(compose.services.worker!));
    try {
      expect(await web.until(() => web.output().includes("production server on"), 60), web.output()).toBe(true);
      expect(await worker.until(() => worker.output().includes("tina4 worker"), 60), worker.output()).toBe(true);
      expect(worker.output()).toMatch(/notes/); // its table of queues
      const queued = await fetch(`http://127.0.0.1:${port}/api/note?text=hello`);
      expect(queued.status, web.output()).toBe(200);
      const note = join(image, "data", "note-hello.txt");
      expect(await worker.until(() => existsSync(note), 30), `${worker.output()}\n${web.output()}`).toBe(true);
      expect(readFileSync(note, "utf8")).toBe(String(worker.child.pid)); // exec: the worker is the command's own process
    } finally {
      worker.child.kill("SIGTERM");
      web.child.kill("SIGTERM");
    }
    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).toContain("worker stopped");
    expect(await web.exited, web.output()).toBe(0);
  }, 120_000);

  it("compose's worker command in an image without job files says so once, stays up (no restart loop), and exits 0 on SIGTERM", async () => {
    const compose = readCompose(app);
    const image = join(tempDir("tina4-compose-idle-"), "app");
    copy(app, image);
    rmSync(join(image, "src", "jobs"), { recursive: true, force: true });
    installLinked(image);
    const command = compose.services.worker!.command!.map((part) => interpolate(part, {}));
    const idle = run(command, image, { ...cliEnv(), NODE_ENV: "production", TINA4_SECRET: "a".repeat(64) });
    try {
      expect(await idle.until(() => idle.output().includes("no job files in src/jobs/"), 20), idle.output()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(idle.child.exitCode, idle.output()).toBeNull(); // still up: restart: unless-stopped has nothing to loop on
    } finally {
      idle.child.kill("SIGTERM");
    }
    const started = Date.now();
    expect(await idle.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000); // not a SIGKILL after the grace period
    expect(idle.output().split("no job files").length - 1).toBe(1);
  }, 60_000);
});
