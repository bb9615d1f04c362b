import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../db/types.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";

/** One up migration found on disk. */
export interface MigrationFile {
  /** The name recorded in tina4_migration: the file name without `.sql`. */
  name: string;
  /** Absolute path of the up file: `<engine>/<name>.sql` when that variant exists, else `<name>.sql`. */
  path: string;
  /** Absolute path of the down file (`<engine>/<name>.down.sql`, else `<name>.down.sql`), or null when there is none. */
  downPath: string | null;
  /** The up file as shown in messages, relative to the migrations folder (`postgres/<name>.sql`). */
  label: string;
  /** The leading number (`20240101120000` or `9`), used for ordering. */
  version: bigint;
}

const UP = /^(\d+)_[^/\\]*\.sql$/i;
const DOWN = /\.down\.sql$/i;

/**
 * The up migrations in `dir`, ordered by their leading number compared as a number
 * (`9_x` runs before `10_x`), then by name. `.down.sql` files are never up migrations;
 * `.sql` files without a numeric prefix are reported in `ignored`. A missing folder is empty.
 * With `engine`, a file in the `<engine>/` subfolder of the same name replaces the top-level one
 * on that engine (the generators write one per engine, so an app migrates unchanged on each);
 * the migration keeps its top-level name, and a variant without a top-level file is not a migration.
 */
export function discoverMigrations(dir: string, engine?: Engine): { files: MigrationFile[]; ignored: string[] } {
  if (!existsSync(dir)) return { files: [], ignored: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new MigrationError(MigrateErrorCode.ARGUMENT, `Cannot read the migrations folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const present = new Set(names);
  const variants = new Set(engine === undefined ? [] : listVariants(join(dir, engine)));
  const pick = (file: string): string | null =>
    variants.has(file) ? join(engine!, file) : present.has(file) ? file : null;
  const files: MigrationFile[] = [];
  const ignored: string[] = [];
  for (const file of names) {
    if (!/\.sql$/i.test(file) || DOWN.test(file)) continue;
    const match = UP.exec(file);
    if (!match) {
      ignored.push(file);
      continue;
    }
    const name = file.slice(0, -4);
    const up = pick(file)!;
    const down = pick(`${name}.down.sql`);
    files.push({ name, path: join(dir, up), downPath: down === null ? null : join(dir, down), label: up.replace(/\\/g, "/"), version: BigInt(match[1]!) });
  }
  files.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, ignored: ignored.sort() };
}

function listVariants(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return []; // no variants for this engine
    throw new MigrationError(MigrateErrorCode.ARGUMENT, `Cannot read the migrations folder ${folder}: ${(error as Error).message}`, { cause: error });
  }
}

/** The file's text without a UTF-8 byte-order mark. */
export function readSql(path: string): string {
  return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
}
