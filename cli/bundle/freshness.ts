/**
 * Whether `<app>/dist` (the `tina4 build` output) can be served as is, and what the build
 * records to tell. Kept apart from bundler.ts, which loads esbuild's plumbing and the route
 * discovery: a production start checks on every launch and builds only when this says so.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { packageRoot } from "../project.js";

/** Output of `tina4 build`, inside the app. */
export const BUNDLE_FILE = "server.mjs";
export const MANIFEST_FILE = "manifest.json";

export interface BuildManifest {
  tina4: string;
  builtAt: string;
  bundle: string;
  routes: Array<{ method?: string; pattern?: string; source: string }>;
  /** Every input that can change the bundle (app-relative path → mtime in ms). */
  inputs: Record<string, number>;
}

export const tina4Version = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;

/** Why `<app>/dist` cannot be used as is (missing, older than a source, other tina4), or null. */
export function staleReason(root: string): string | null {
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "dist", MANIFEST_FILE), "utf8")) as BuildManifest;
  } catch {
    return "dist/ has no build";
  }
  if (!existsSync(join(root, "dist", manifest.bundle ?? BUNDLE_FILE))) return `dist/${manifest.bundle} is missing`;
  if (manifest.tina4 !== tina4Version) return `dist/ was built by tina4 ${manifest.tina4}`;
  if (!existsSync(join(root, "src/"))) return "src/ is missing";
  // One stat per input, thousands for a large app: plain concatenation (the paths are
  // normalised, app-relative) and no exception per missing file keep this to a few ms.
  const base = join(root, "_").slice(0, -1);
  for (const path in manifest.inputs) {
    const stat = statSync(base + (sep === "/" ? path : path.replaceAll("/", sep)), { throwIfNoEntry: false });
    if (!stat) return `${path} was removed`;
    if (stat.mtimeMs !== manifest.inputs[path]) return path.endsWith("/") ? `files were added to or removed from ${path}` : `${path} changed`;
  }
  return null;
}

/** Files and folders (with a trailing "/") under `dir`, skipping node_modules and dot-entries. */
function walk(dir: string, out: string[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  out.push(dir + "/");
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/**
 * What decides staleness: every file and folder under src/ plus package.json and
 * tsconfig.json. Folders count because adding or removing a file changes the folder's
 * mtime, so a later check needs one stat per entry and no directory listing.
 */
export function sourceInputs(root: string): string[] {
  const files = walk(join(root, "src"), []).map((path) => relative(root, path).split(sep).join("/") + (path.endsWith("/") ? "/" : ""));
  for (const name of ["package.json", "tsconfig.json"]) if (existsSync(join(root, name))) files.push(name);
  return files;
}
