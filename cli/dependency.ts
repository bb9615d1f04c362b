import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { packageRoot } from "./project.js";

/**
 * Written into dist/ by scripts/build.mjs only while `npm publish` builds the package, so a
 * CLI that carries it came from the registry; a clone, `npm pack` tarball or `npm install -g .`
 * does not carry it.
 */
export const PUBLISHED_MARKER = join("dist", "published.json");

/**
 * How a new app's package.json names tina4, so that `npm install` / `npm ci` in the app keep
 * it (SPEC §1): the registry range of this version when this CLI is the published package,
 * otherwise `file:` pointing at this CLI's own package (relative when the app lives inside
 * it, as the demo does, so the pair can move together).
 */
export function tina4Dependency(appDir: string, root: string = packageRoot): string {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  if (existsSync(join(root, PUBLISHED_MARKER))) return `^${version}`;
  const inside = relative(root, appDir);
  const target = inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? relative(appDir, root) : root;
  return `file:${target.split(sep).join("/")}`;
}
