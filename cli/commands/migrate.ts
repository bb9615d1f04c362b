import { join, relative } from "node:path";
import type { Command } from "commander";
import kleur from "kleur";
import { Database, DatabaseError, DbErrorCode } from "../../runtime/db/index.js";
import { migrate, migrationStatus, rollback, MigrateErrorCode, MigrationError, type MigrationEvent } from "../../runtime/migrate/index.js";
import { planMigration } from "./generate.js";
import { emit } from "../generate/writer.js";
import { openProject } from "../project.js";
import { validateEnvironment } from "../validate-settings.js";
import { CliError, CliErrorCode } from "../errors.js";
import { DEFAULT_DATABASE_URL, describeSource, readSetting } from "../settings.js";
import { table, ui } from "../ui.js";

const ms = (n: number) => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);

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
async function open(create: boolean): Promise<{ db: Database; dir: string; root: string }> {
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

/** Prints progress lines: "› name … ✔ 12 ms". */
function printer(verb: string): (event: MigrationEvent) => void {
  return (event) => {
    switch (event.type) {
      case "waiting":
        ui.warn(`another migration run holds the lock${event.holder ? ` (${event.holder})` : ""}; waiting…`);
        break;
      case "start":
        process.stdout.write(`  ${kleur.cyan("›")} ${verb} ${event.name} ${kleur.dim(`(${event.index}/${event.total})`)}`);
        break;
      case "done":
        process.stdout.write(` ${kleur.green("✔")} ${kleur.dim(`${ms(event.ms)}, ${event.statements} statement${event.statements === 1 ? "" : "s"}`)}\n`);
        break;
      case "skipped":
        process.stdout.write(` ${kleur.yellow("–")} ${kleur.dim(event.reason)}\n`);
        break;
      case "failed":
        process.stdout.write(` ${kleur.red("✖")} ${kleur.dim(ms(event.ms))}\n`);
        break;
    }
  };
}

/** A MigrationError as a readable block on stderr, then a one-line CliError (exit 1). */
function fail(error: unknown, what: string): never {
  if (error instanceof MigrationError) {
    if (error.statement) {
      const shown = error.statement.length > 600 ? `${error.statement.slice(0, 600)}…` : error.statement;
      console.error(kleur.dim(shown.replace(/^/gm, "    │ ")));
    }
    // where schema statements commit apart (MySQL, Firebird) the message already names those that stayed
    const partial = / (was|were) already committed: /.test(error.message);
    const note = what === "migrate"
      ? partial
        ? "; the rest of the file was rolled back and it was not recorded — undo or guard the committed statements, fix it and run `tina4 migrate` again"
        : "; it was rolled back and not recorded — fix it and run `tina4 migrate` again"
      : "";
    throw new CliError(`${error.message}${error.code === MigrateErrorCode.FAILED ? note : ""}`, error.code);
  }
  if (error instanceof DatabaseError) throw new CliError(error.message, error.code);
  throw error;
}

async function runMigrate(): Promise<void> {
  const { db, dir, root } = await open(true);
  const started = performance.now();
  try {
    ui.info(`${kleur.bold("Migrating")} ${db.url} ${kleur.dim(`from ${relative(root, dir) || "."}/`)}`);
    const result = await migrate(db, { dir, onEvent: printer("apply") }).catch((e: unknown) => fail(e, "migrate"));
    if (result.batch === null) ui.success("Nothing to migrate: the database is up to date");
    else ui.success(`Applied ${result.applied.length} migration${result.applied.length === 1 ? "" : "s"} (batch ${result.batch}) in ${ms(performance.now() - started)}`);
  } finally {
    await db.close();
  }
}

async function runRollback(steps: number): Promise<void> {
  let opened;
  try {
    opened = await open(false);
  } catch (error) {
    // no database file yet: nothing can be applied, so nothing to undo (and nothing to create)
    if (!(error instanceof CliError && error.code === DbErrorCode.NOT_FOUND)) throw error;
    const setting = readSetting(openProject(), "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
    ui.success(`Nothing to roll back: no migration is applied on ${setting.shown} (there is no database file yet; ${kleur.cyan("tina4 migrate")} creates it)`);
    return;
  }
  const { db, dir } = opened;
  const started = performance.now();
  try {
    // The header names what will happen: --steps 99 with 3 batches applied rolls back 3.
    const status = await migrationStatus(db, { dir }).catch((e: unknown) => fail(e, "rollback"));
    const appliedBatches = new Set(status.entries.filter((e) => e.batch !== null).map((e) => e.batch)).size;
    if (appliedBatches === 0) {
      ui.success(`Nothing to roll back: no migration is applied on ${db.url} (${kleur.cyan("tina4 migrate:status")} lists them)`);
      return;
    }
    const count = Math.min(steps, appliedBatches);
    const all = steps > appliedBatches ? kleur.dim(` (all there are; --steps asked for ${steps})`) : "";
    ui.info(`${kleur.bold("Rolling back")} ${count} batch${count === 1 ? "" : "es"}${all} on ${db.url}`);
    const result = await rollback(db, { dir, steps, onEvent: printer("undo") }).catch((e: unknown) => fail(e, "rollback"));
    if (result.rolledBack.length === 0) ui.success("Nothing to roll back");
    else {
      const b = result.batches.join(", ");
      ui.success(`Rolled back ${result.rolledBack.length} migration${result.rolledBack.length === 1 ? "" : "s"} (batch ${b}) in ${ms(performance.now() - started)}`);
    }
  } finally {
    await db.close();
  }
}

function stamp(d: Date | null): string {
  if (!d) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function runStatus(): Promise<void> {
  const { db, dir } = await open(false);
  try {
    const status = await migrationStatus(db, { dir }).catch((e: unknown) => fail(e, "status"));
    ui.info(`${kleur.bold("Migrations")} on ${db.url}\n`);
    if (status.entries.length === 0) ui.info(kleur.dim("  no migrations yet — create one with: tina4 migrate:create \"create products\""));
    else {
      const label = { applied: kleur.green("applied"), pending: kleur.yellow("pending"), missing: kleur.red("file missing") };
      const rows = status.entries.map((e) => [e.name, e.state === "missing" ? "file missing" : e.state, e.batch === null ? "" : String(e.batch), stamp(e.executedAt), e.hasDown ? "yes" : "no"]);
      // pad first, colour after, so the columns stay aligned
      const text = table(["MIGRATION", "STATUS", "BATCH", "EXECUTED AT", "DOWN"], rows);
      const lines = text.split("\n");
      const out = lines.map((line, i) => (i === 0 ? line : line.replace(/ (applied|pending|file missing) /, (s) => ` ${label[s.trim().replace("file ", "") as keyof typeof label]} `)));
      ui.info(out.join("\n"));
    }
    for (const name of status.ignored) ui.warn(`ignored migrations/${name}: the name must start with a number (e.g. 20240101120000_${name})`);
    ui.info(`\n${status.applied} applied, ${status.pending} pending`);
  } finally {
    await db.close();
  }
}

function parseSteps(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new CliError(`--steps must be a positive whole number, got "${text}"`, CliErrorCode.BAD_STEPS);
  return n;
}

export function registerMigrate(program: Command): void {
  program.command("migrate").description("apply pending migrations from migrations/ (one batch, each file in a transaction)").action(runMigrate);

  program
    .command("migrate:create <description>")
    .description("create migrations/<timestamp>_<description>.sql and .down.sql")
    .option("--dry-run", "print the files instead of writing them")
    .option("-f, --force", "overwrite existing files")
    .action((description: string, options: { dryRun?: boolean; force?: boolean }) => {
      const project = openProject();
      emit(project.root, planMigration(project.root, description), options);
      if (!options.dryRun) ui.info(ui.dim("\nWrite the change in the .sql file and how to undo it in the .down.sql file, then: tina4 migrate"));
    });

  program
    .command("migrate:rollback")
    .description("undo the last batch of migrations with their .down.sql files")
    .option("--steps <n>", "how many batches to undo", "1")
    .action((options: { steps: string }) => runRollback(parseSteps(options.steps)));

  program.command("migrate:status").description("list applied (with batch and time) and pending migrations").action(runStatus);
}
