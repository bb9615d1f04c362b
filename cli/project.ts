import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvFiles, parseEnv } from "../runtime/config/env.js";
import { CliError, CliErrorCode } from "./errors.js";

/** The tina4 package folder (holds bin/, dist/, templates/). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Project {
  root: string;
  routesDir: string;
  publicDir: string;
  /** The .env file that set each variable it set; variables from the real environment are absent. */
  envSources: ReadonlyMap<string, string>;
}

/** An app's root is the nearest folder, from `start` upwards, that holds src/routes (as git looks for .git). */
export function findAppRoot(start: string): string | null {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "src", "routes"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The app containing `dir` (default cwd, or any parent of it); loads its .env files and
 * makes its root the working directory, so relative settings (`sqlite:data/app.db`,
 * data/cache) and drivers installed in the app resolve as when run from the root.
 */
export function openProject(dir = process.cwd()): Project {
  const root = findAppRoot(dir);
  if (root === null) {
    throw new CliError(`No tina4 app in ${resolve(dir)} or any folder above it (no src/routes). Run \`tina4 init\` to create one.`, CliErrorCode.NO_PROJECT);
  }
  if (resolve(process.cwd()) !== root) process.chdir(root);
  const envSources = new Map<string, string>();
  const local = join(root, ".env.local");
  const fromLocal = existsSync(local) ? parseEnv(readFileSync(local, "utf8"), local) : new Map<string, string>();
  for (const name of loadEnvFiles(root)) envSources.set(name, fromLocal.has(name) ? ".env.local" : ".env");
  linkRuntime(root);
  return { root, routesDir: join(root, "src", "routes"), publicDir: join(root, "public"), envSources };
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Points `<app>/node_modules/tina4` at this CLI's package, so editors, tsc and vitest
 * resolve `import ... from "tina4"` to the same runtime the CLI serves (no npm install in
 * the app). Replaces a stale link (npm's relative link to this package counts as current);
 * never touches a real installed folder.
 */
export function linkRuntime(root: string): void {
  const link = join(root, "node_modules", "tina4");
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = null;
  }
  if (stat && !stat.isSymbolicLink()) return;
  if (stat && samePath(link, packageRoot) && existsSync(join(link, "package.json"))) return;
  try {
    if (stat) rmSync(link, { force: true });
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(packageRoot, link, "dir");
    const bin = join(root, "node_modules", ".bin", "tina4");
    rmSync(bin, { force: true });
    mkdirSync(dirname(bin), { recursive: true });
    symlinkSync(join(packageRoot, "bin", "tina4"), bin);
  } catch {
    // Read-only checkouts still run: the loader resolves "tina4" itself; only editors lose types.
  }
}
