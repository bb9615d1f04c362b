/**
 * A user's first hour, from a clone: the README's way of getting the `tina4` command
 * (`npm pack`, then `npm install -g` of the tarball), run on a temporary global prefix with
 * an empty HOME; then an app made by that command survives `npm install` and `npm ci` inside
 * it (tsc, the app's vitest and `tina4 serve` still find tina4).
 *
 * Slow on purpose (a real pack, real installs from the registry): one file, generous timeouts.
 * Packing happens in a copy of the checkout, so its `prepare` build never rewrites this
 * tree's dist/ under other running tests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir } from "../support/cli.js";

const MINUTE = 60_000;
const work = tempDir("tina4-install-");
const clone = join(work, "clone");
const prefix = join(work, "prefix");
const home = join(work, "home");
const tina4 = join(prefix, "bin", "tina4");
const installed = join(prefix, "lib", "node_modules", "tina4");
/** The machine's CA file for npm, if it sets one (a trust setting of the machine, not of the user). */
const cafile = spawnSync("npm", ["config", "get", "cafile"], { encoding: "utf8" }).stdout?.trim();
const timings: string[] = [];
const children: ChildProcess[] = [];

/** The environment of a person on a fresh machine: no npm settings inherited from the test runner. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key.startsWith("TINA4_") || key.startsWith("VITEST") || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    npm_config_prefix: prefix,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    NO_COLOR: "1",
    ...(cafile && cafile !== "null" && cafile !== "undefined" ? { npm_config_cafile: cafile } : {}),
    PATH: `${join(prefix, "bin")}:${process.env.PATH}`,
  };
}

/** Runs a shell command line as the user would type it; records how long it took. */
function sh(line: string, cwd: string, timeout = 5 * MINUTE) {
  const started = Date.now();
  const result = spawnSync("sh", ["-c", line], { cwd, env: userEnv(), encoding: "utf8", timeout });
  timings.push(`${line}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const output = `$ ${line}\n${result.stdout}${result.stderr}${result.error ? String(result.error) : ""}`;
  return { code: result.status, output };
}

/** The README's install lines (`npm pack`, `npm install -g ...`) from its "Get the `tina4` command" section. */
function readmeInstallLines(): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.split("## Get the `tina4` command")[1]?.split("\n## ")[0] ?? "";
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^npm (pack|install -g)\b/.test(line));
}

/** A copy of the checkout as git sees it (tracked and new files), sharing this tree's node_modules for the build. */
function copyCheckout(): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
  expect(listed.status, listed.stderr).toBe(0);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    if (file.endsWith(".tgz") || file.split("/")[0] === "node_modules" || !existsSync(join(repoRoot, file))) continue;
    mkdirSync(join(clone, file, ".."), { recursive: true });
    cpSync(join(repoRoot, file), join(clone, file));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"), "dir");
}

beforeAll(() => {
  mkdirSync(home, { recursive: true });
  mkdirSync(prefix, { recursive: true });
  copyCheckout();
}, 2 * MINUTE);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  console.log(`[install timings]\n  ${timings.join("\n  ")}`);
  rmSync(work, { recursive: true, force: true });
});

describe("the tina4 command from a clone, as the README says", () => {
  it("README's npm pack + npm install -g lines give a working `tina4` on a clean prefix", { timeout: 10 * MINUTE }, () => {
    const lines = readmeInstallLines();
    expect(lines, "README section 'Get the `tina4` command' lists npm pack and npm install -g").toEqual([
      expect.stringMatching(/^npm pack/),
      expect.stringMatching(/^npm install -g /),
    ]);
    for (const line of lines) {
      const result = sh(line, clone, 8 * MINUTE);
      expect(result.code, result.output).toBe(0);
    }
    expect(existsSync(tina4)).toBe(true);
    const version = sh(`"${tina4}" --version`, work);
    expect(version.code, version.output).toBe(0);
    expect(version.output).toContain(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version);
  });

  it("that tina4 creates an app and lists its routes; the app names it as a file: dependency", { timeout: 2 * MINUTE }, () => {
    const init = sh(`"${tina4}" init app --yes`, work);
    expect(init.code, init.output).toBe(0);
    const app = join(work, "app");
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    expect(pkg.dependencies?.tina4).toBe(`file:${realpathSync(installed)}`);
    expect(readFileSync(join(app, "README.md"), "utf8")).not.toMatch(/npmjs\.com/); // no registry page that does not exist
    const routes = sh(`"${tina4}" routes`, join(app, "src", "routes"));
    expect(routes.code, routes.output).toBe(0);
    expect(routes.output).toMatch(/GET\s+\/api\/hello\s.*src\/routes\/api\/hello\/get\.ts/);
  });
});

describe("npm install inside a generated app keeps tina4", () => {
  const app = join(work, "app");

  it("npm install, then tsc and the app's tests pass", { timeout: 10 * MINUTE }, () => {
    const install = sh("npm install", app, 8 * MINUTE);
    expect(install.code, install.output).toBe(0);
    expect(existsSync(join(app, "node_modules", "tina4", "package.json")), install.output).toBe(true);
    const tsc = sh("npx tsc --noEmit", app);
    expect(tsc.code, tsc.output).toBe(0);
    const test = sh("npm test", app);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/1 passed/);
  });

  it("npm ci reinstalls from the lock file and keeps tina4 too", { timeout: 10 * MINUTE }, () => {
    const ci = sh("npm ci", app, 8 * MINUTE);
    expect(ci.code, ci.output).toBe(0);
    const tsc = sh("npx tsc --noEmit", app);
    expect(tsc.code, tsc.output).toBe(0);
  });

  it("tina4 serve (the app's own node_modules/.bin/tina4) still serves GET /api/hello", { timeout: 2 * MINUTE }, async () => {
    const child = spawn(join(app, "node_modules", ".bin", "tina4"), ["serve", "--port", "0"], { cwd: app, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), MINUTE);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /server on (http:\/\/\S+:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    try {
      const response = await fetch(`${url}/api/hello`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: "Hello from tina4!" });
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode === null ? child.on("exit", resolve) : resolve(null)));
    }
  });
});
