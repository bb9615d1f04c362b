import { readdirSync } from "node:fs";
import { basename, extname, join } from "node:path";

/** One seed file found under `<root>/src/seeds`. */
export interface SeedFile {
  /** The file's base name without extension (`01_users`): what `--only` takes. */
  name: string;
  /** Relative to the app root, for messages (`src/seeds/01_users.ts`). */
  file: string;
  absolute: string;
}

const EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);
const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * The seed files of an app: `src/seeds/*.ts` at the top level (tests and declaration files
 * skipped), ordered by name with numbers compared as numbers (`2_x` before `10_x`, as
 * migrations). A missing folder has none.
 */
export function discoverSeeders(root: string): SeedFile[] {
  const dir = join(root, "src", "seeds");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => EXTENSIONS.has(extname(name)) && !/\.(d|test|spec)\.[mc]?[jt]s$/.test(name))
    .sort(byName)
    .map((name) => ({ name: basename(name, extname(name)), file: `src/seeds/${name}`, absolute: join(dir, name) }));
}
