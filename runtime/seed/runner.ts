import { pathToFileURL } from "node:url";
import type { Database } from "../db/index.js";
import { SeedError, SeedErrorCode } from "./errors.js";
import { discoverSeeders, type SeedFile } from "./files.js";

/**
 * A seeder: the default export of `src/seeds/<name>.ts`. It runs inside a transaction on `db`;
 * models (`Product.create(...)`) and `db.insert(...)` calls made while it runs are part of it.
 */
export type Seeder = (db: Database) => unknown;

/** Progress reported while seeding (the CLI prints these). */
export type SeedEvent =
  | { type: "start"; name: string; file: string; index: number; total: number }
  | { type: "done"; name: string; ms: number }
  | { type: "failed"; name: string; ms: number; error: SeedError };

export interface SeedOptions {
  /** The app root (default the working directory): seeders are `<root>/src/seeds/*.ts`. */
  root?: string | undefined;
  /** Run only this seeder (its file name without extension, e.g. `01_users`). */
  only?: string | undefined;
  onEvent?: ((event: SeedEvent) => void) | undefined;
  /** How a seed file is imported (default `import()`; TypeScript needs the tina4 loader, as `tina4 db:seed` registers it). */
  load?: ((absolute: string) => Promise<unknown>) | undefined;
}

export interface SeedResult {
  /** The seeders that ran, in order. */
  ran: string[];
}

function emit(options: SeedOptions, event: SeedEvent): void {
  try {
    options.onEvent?.(event);
  } catch {
    // a broken progress printer never breaks seeding
  }
}

function select(files: SeedFile[], only: string | undefined): SeedFile[] {
  if (only === undefined) return files;
  const wanted = only.replace(/\.[mc]?[jt]s$/, "").replace(/^src\/seeds\//, "");
  const found = files.filter((f) => f.name === wanted);
  if (found.length === 0) {
    const known = files.length === 0 ? "there are no seed files in src/seeds/" : `the seeders are: ${files.map((f) => f.name).join(", ")}`;
    throw new SeedError(SeedErrorCode.UNKNOWN, `No seeder "${only}" (${known}); nothing ran`);
  }
  return found;
}

/** Imports every selected seed file first, so a file that does not load stops the run before any seeder ran. */
async function loadAll(files: SeedFile[], load: (absolute: string) => Promise<unknown>): Promise<Array<{ file: SeedFile; run: Seeder }>> {
  const loaded: Array<{ file: SeedFile; run: Seeder }> = [];
  for (const file of files) {
    let mod: unknown;
    try {
      mod = await load(file.absolute);
    } catch (error) {
      throw new SeedError(SeedErrorCode.LOAD, `${file.file} failed to load: ${(error as Error)?.message ?? String(error)}; nothing ran`, { file: file.file, cause: error });
    }
    const run = (mod as { default?: unknown } | null)?.default;
    if (typeof run !== "function") {
      throw new SeedError(SeedErrorCode.LOAD, `${file.file} has no default export function: write \`export default async function seed(db: Database) { … }\`; nothing ran`, { file: file.file });
    }
    loaded.push({ file, run: run as Seeder });
  }
  return loaded;
}

/** "src/seeds/x.ts:12:7" from the first stack frame inside the seed file, or "". */
function whereIn(error: unknown, file: SeedFile): string {
  const stack = (error as Error)?.stack;
  if (typeof stack !== "string") return "";
  const url = pathToFileURL(file.absolute).href;
  for (const line of stack.split("\n")) {
    const at = line.indexOf(url) >= 0 ? line.indexOf(url) + url.length : line.indexOf(file.absolute) >= 0 ? line.indexOf(file.absolute) + file.absolute.length : -1;
    if (at < 0) continue;
    const position = /^:(\d+):(\d+)/.exec(line.slice(at));
    if (position) return ` (at ${file.file}:${position[1]}:${position[2]})`;
  }
  return "";
}

/**
 * Runs the app's seeders (`src/seeds/*.ts`, by name; or only `options.only`) on `db`, each in
 * its own transaction: a seeder that throws is rolled back and stops the run with a
 * SeedError naming its file (the seeders before it stay committed). All files are loaded first.
 */
export async function runSeeders(db: Database, options: SeedOptions = {}): Promise<SeedResult> {
  const root = options.root ?? process.cwd();
  const files = select(discoverSeeders(root), options.only);
  const seeders = await loadAll(files, options.load ?? ((path) => import(pathToFileURL(path).href)));
  const ran: string[] = [];
  for (let i = 0; i < seeders.length; i++) {
    const { file, run } = seeders[i]!;
    emit(options, { type: "start", name: file.name, file: file.file, index: i + 1, total: seeders.length });
    const started = performance.now();
    try {
      await db.transaction(async () => {
        await run(db);
      });
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      const kept = ran.length === 0 ? "" : ` (${ran.join(", ")} ran before it and stay${ran.length === 1 ? "s" : ""})`;
      const failure = new SeedError(
        SeedErrorCode.FAILED,
        `${file.file} failed: ${message}${whereIn(error, file)}; its changes were rolled back and the seeders after it did not run${kept}`,
        { file: file.file, cause: error },
      );
      emit(options, { type: "failed", name: file.name, ms: performance.now() - started, error: failure });
      throw failure;
    }
    ran.push(file.name);
    emit(options, { type: "done", name: file.name, ms: performance.now() - started });
  }
  return { ran };
}
