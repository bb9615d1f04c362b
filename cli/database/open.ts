import { join } from "node:path";
import kleur from "kleur";
import { Database, DatabaseError, DbErrorCode } from "../../runtime/db/index.js";
import { openProject } from "../project.js";
import { validateEnvironment } from "../validate-settings.js";
import { CliError } from "../errors.js";
import { DEFAULT_DATABASE_URL, describeSource, readSetting } from "../settings.js";

const HINTS: Record<string, string> = {
  [DbErrorCode.UNAVAILABLE]: " Is the server running, and is this the right host and port?",
  [DbErrorCode.AUTH]: " Check the user name and password in the URL.",
};

/**
 * The server answered but has no database of that name (PostgreSQL 'database "x" does not
 * exist', MySQL/MariaDB "Unknown database 'x'", Firebird 'I/O error for file'): "is the server
 * running" would mislead.
 */
function missingDatabaseHint(detail: string): string | null {
  // Firebird: the server answered but cannot open the file (the path is on the server's machine)
  const file = /I\/O error for file "([^"]+)"/.exec(detail)?.[1];
  if (file !== undefined) {
    return ` The server is up but cannot open the database file ${file} (a path on the server's machine): create it first (isql-fb: CREATE DATABASE '<host>/<port>:${file}'), or fix the path in the URL.`;
  }
  const name = /database "([^"]+)" does not exist/.exec(detail)?.[1] ?? /Unknown database '([^']+)'/.exec(detail)?.[1];
  return name === undefined ? null : ` The server is up but has no database "${name}": create it first (CREATE DATABASE ${name}), or fix the name in the URL.`;
}

/**
 * Opens the app's database (TINA4_DATABASE_URL from the environment or the app's .env
 * files). A failure names the URL used (password masked) and where it came from. `create`
 * false (status, rollback): a missing SQLite file is a CliError T4_ERR_DB_NOT_FOUND, not a new
 * empty database.
 */
export async function openAppDatabase(create: boolean): Promise<{ db: Database; dir: string; root: string }> {
  const project = openProject();
  validateEnvironment();
  const setting = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  try {
    const db = await Database.connect(setting.value, { failFast: true, create }); // a command: say at once why it cannot run
    return { db, dir: join(project.root, "migrations"), root: project.root };
  } catch (error) {
    if (error instanceof DatabaseError && error.code === DbErrorCode.NOT_FOUND) {
      // status/rollback only read: a typo in the path must not leave an empty database behind
      const file = error.message.replace(/^\[sqlite\] no database file at /, "");
      throw new CliError(
        `No SQLite database at ${file} (${setting.shown}, ${describeSource(setting)}). Run ${kleur.cyan("tina4 migrate")} to create it, or fix the path in TINA4_DATABASE_URL.`,
        error.code,
      );
    }
    if (error instanceof DatabaseError) {
      // The URL is named once, up front; a URL error's own copy of it is dropped.
      const detail = error.message.replace(/^Invalid database URL "[^"]*": /, "").trim().replace(/\.$/, "");
      throw new CliError(`Cannot open the database ${setting.shown} (${describeSource(setting)}): ${detail}.${missingDatabaseHint(detail) ?? HINTS[error.code] ?? ""}`, error.code);
    }
    throw error;
  }
}

