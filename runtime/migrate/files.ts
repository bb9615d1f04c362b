import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MigrateErrorCode, MigrationError } from "./errors.js";

/** One up migration found on disk. */
export interface MigrationFile {
  /** The name recorded in tina4_migration: the file name without `.sql`. */
  name: string;
  /** Absolute path of the up file. */
  path: string;
  /** Absolute path of `<name>.down.sql`, or null when there is none. */
  downPath: string | null;
  /** The leading number (`20240101120000` or `9`), used for ordering. */
  version: bigint;
}

const UP = /^(\d+)_[^/\\]*\.sql$/i;
const DOWN = /\.down\.sql$/i;

/**
 * The up migrations in `dir`, ordered by their leading number compared as a number
 * (`9_x` runs before `10_x`), then by name. `.down.sql` files are never up migrations;
 * `.sql` files without a numeric prefix are reported in `ignored`. A missing folder is empty.
 */
export function discoverMigrations(dir: string): { files: MigrationFile[]; ignored: string[] } {
  if (!existsSync(dir)) return { files: [], ignored: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new MigrationError(MigrateErrorCode.ARGUMENT, `Cannot read the migrations folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const present = new Set(names);
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
    const down = `${name}.down.sql`;
    files.push({ name, path: join(dir, file), downPath: present.has(down) ? join(dir, down) : null, version: BigInt(match[1]!) });
  }
  files.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, ignored: ignored.sort() };
}

/** The file's text without a UTF-8 byte-order mark. */
export function readSql(path: string): string {
  return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
}
