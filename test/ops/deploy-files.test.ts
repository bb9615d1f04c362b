import { describe, expect, it } from "vitest";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, type CopySyncOptions } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { repoRoot, runCli, tempDir } from "../support/cli.js";

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
    const compose = parseYaml(readFileSync(join(app, "compose.yaml"), "utf8")) as { services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown> }> };
    expect(Object.keys(compose.services).sort()).toEqual(["app", "postgres", "valkey"]);
    const env = compose.services.app!.environment!;
    expect(env.TINA4_DATABASE_URL).toMatch(/^postgres:\/\/app:app@postgres:5432\/app$/);
    expect(env.TINA4_CACHE_BACKEND).toBe("valkey");
    expect(env.TINA4_CACHE_URL).toBe("redis://valkey:6379");
    expect(env.TINA4_SECRET).toMatch(/\$\{TINA4_SECRET:\?/);
    expect(Object.keys(compose.services.app!.depends_on!).sort()).toEqual(["postgres", "valkey"]);
  });

  it("compose turns metrics on only behind a required token, and init writes a random one into .env (for compose only)", () => {
    expect(init.code, init.stderr).toBe(0);
    const compose = parseYaml(readFileSync(join(app, "compose.yaml"), "utf8")) as { services: { app: { environment: Record<string, string>; ports?: string[] } } };
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
    const compose = parseYaml(composeText) as { services: { app: { command?: string[] } } };
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
});
