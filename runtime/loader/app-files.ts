import { readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";

/** A source file of the app found in one of its convention folders (`src/jobs`, `src/seeds`). */
export interface AppFile {
  /** The file's base name without extension (`send-mail`, `01_users`). */
  name: string;
  /** Relative to the app root, for messages and bundles (`src/jobs/send-mail.ts`). */
  file: string;
  absolute: string;
}

const EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

/**
 * The source files at the top level of `<root>/<folder>` (tests and declaration files skipped),
 * ordered by `compare` (default: code-unit order). A missing folder has none.
 */
export function appFilesIn(root: string, folder: string, compare?: (a: string, b: string) => number): AppFile[] {
  const dir = join(root, folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => EXTENSIONS.has(extname(name)) && !/\.(d|test|spec)\.[mc]?[jt]s$/.test(name))
    .sort(compare)
    .map((name) => ({ name: basename(name, extname(name)), file: `${folder}/${name}`, absolute: join(dir, name) }));
}
