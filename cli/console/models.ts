/**
 * The model classes of src/models, imported through the app loader (TypeScript transpiled as
 * `tina4 serve` and testClient() do), keyed by class name for the console's bindings.
 */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { Model } from "../../runtime/orm/index.js";

const SOURCE_FILE = /\.(?:ts|tsx|mts|js|mjs)$/;
const NOT_MODULE = /\.d\.ts$|\.(?:test|spec)\.[cm]?[jt]sx?$/;

/** Source files under `dir` (recursively; hidden entries and node_modules skipped), in a stable order. */
export function modelFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return []; // no src/models: an app without models
  }
  return entries.flatMap((entry) => {
    if (entry.name.startsWith(".") || entry.name === "node_modules") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modelFiles(path);
    return SOURCE_FILE.test(entry.name) && !NOT_MODULE.test(entry.name) ? [path] : [];
  });
}

export interface LoadedModels {
  /** Class name → class, for every Model subclass a file under src/models exports. */
  classes: Map<string, typeof Model>;
  /** Class name → its file, relative to the app root (`src/models/Product.ts`). */
  files: Map<string, string>;
  /** Names exported by two files: the first file's class is bound (named here to warn about). */
  duplicates: string[];
}

/**
 * Imports every model file. `query` (`?tina4-reload=N`) makes each import a fresh module
 * instance: `.reload` uses it to read files edited since the last load.
 */
export async function importModels(root: string, query = ""): Promise<LoadedModels> {
  const classes = new Map<string, typeof Model>();
  const files = new Map<string, string>();
  const duplicates: string[] = [];
  for (const file of modelFiles(join(root, "src", "models"))) {
    const exports = (await import(pathToFileURL(file).href + query)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (typeof value !== "function" || !(value.prototype instanceof Model)) continue;
      const cls = value as typeof Model;
      const known = classes.get(cls.name);
      if (known === undefined) {
        classes.set(cls.name, cls);
        files.set(cls.name, relative(root, file).split(sep).join("/"));
      } else if (known !== cls) duplicates.push(cls.name);
    }
  }
  return { classes, files, duplicates };
}
