import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvFiles } from "../runtime/config/env.js";
import { CliError } from "./errors.js";

/** The tina4 package folder (holds bin/, dist/, templates/). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Project {
  root: string;
  routesDir: string;
  publicDir: string;
}

/** The app in `dir` (default cwd); loads its .env files. Errors when it has no src/routes. */
export function openProject(dir = process.cwd()): Project {
  const root = resolve(dir);
  const routesDir = join(root, "src", "routes");
  if (!existsSync(routesDir)) {
    throw new CliError(`No tina4 app in ${root} (missing src/routes). Run \`tina4 init\` to create one.`, "T4_ERR_CLI_NO_PROJECT");
  }
  loadEnvFiles(root);
  linkRuntime(root);
  return { root, routesDir, publicDir: join(root, "public") };
}

/**
 * Points `<app>/node_modules/tina4` at this CLI's package, so editors, tsc and vitest
 * resolve `import ... from "tina4"` to the same runtime the CLI serves (no npm install in
 * the app). Replaces a stale link; never touches a real installed folder.
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
  if (stat && readlinkSync(link) === packageRoot && existsSync(join(link, "package.json"))) return;
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
