/**
 * Whether `<app>/dist` (the `tina4 build` output) can be served as is. Kept apart from
 * commands/build.ts, which loads esbuild's plumbing and the route discovery: a production
 * start checks on every launch and builds only when this says so.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";
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
