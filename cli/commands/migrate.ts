import { relative } from "node:path";
import type { Command } from "commander";
import kleur from "kleur";
import { DbErrorCode } from "../../runtime/db/index.js";
import { dropAppObjects, listAppObjects, migrate, migrationStatus, rollback } from "../../runtime/migrate/index.js";
import { discoverSeeders } from "../../runtime/seed/index.js";
import { planMigration } from "./generate.js";
import { emit } from "../generate/writer.js";
import { openProject } from "../project.js";
import { openAppDatabase } from "../database/open.js";
import { fail, ms, printer } from "../database/progress.js";
import { confirmDestructive, refuseInProduction } from "../database/confirm.js";
import { closeAfterSeeding, seedWithProgress } from "../database/seed.js";
import { CliError, CliErrorCode } from "../errors.js";
import { DEFAULT_DATABASE_URL, readSetting } from "../settings.js";
import { table, ui } from "../ui.js";

async function runMigrate(): Promise<void> {
  const { db, dir, root } = await openAppDatabase(true);
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
    opened = await openAppDatabase(false);
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

interface FreshOptions {
  seed?: boolean;
  force?: boolean;
  yes?: boolean;
}

const FRESH = "tina4 migrate:fresh";

/** The confirmation question, naming what is there to drop (looked at without creating a SQLite file). */
async function freshQuestion(): Promise<string> {
  let opened;
  try {
    opened = await openAppDatabase(false);
  } catch (error) {
    if (!(error instanceof CliError && error.code === DbErrorCode.NOT_FOUND)) throw error;
    const setting = readSetting(openProject(), "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
    return `There is no database at ${setting.shown} yet: create it and run every migration?`;
  }
  try {
    const names = (await listAppObjects(opened.db).catch((e: unknown) => fail(e, "fresh"))).map((o) => o.name);
    const shown = names.length > 6 ? `${names.slice(0, 6).join(", ")}, … ${names.length - 6} more` : names.join(", ");
    const what = names.length === 0 ? "nothing to drop" : `${names.length} object${names.length === 1 ? "" : "s"}: ${shown}`;
    return `Drop everything in ${opened.db.url} (${what}), its data with it, and run every migration again?`;
  } finally {
    await opened.db.close();
  }
}

/** `tina4 migrate:fresh [--seed]`: drop the app's tables, run every migration, then the seeders. */
async function runFresh(options: FreshOptions): Promise<void> {
  const project = openProject();
  const setting = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  refuseInProduction(project, FRESH, `drops every table of ${setting.shown}`, options);
  await confirmDestructive(FRESH, freshQuestion, options);
  const started = performance.now();
  const first = await openAppDatabase(true);
  try {
    const dropped = await dropAppObjects(first.db).catch((e: unknown) => fail(e, "fresh"));
    const names = dropped.map((o) => o.name).join(", ");
    ui.success(dropped.length === 0 ? `Nothing to drop in ${first.db.url}` : `Dropped ${dropped.length} object${dropped.length === 1 ? "" : "s"} of ${first.db.url}: ${kleur.dim(names)}`);
  } finally {
    await first.db.close();
  }
  // a new connection: nothing cached about the dropped tables
  const { db, dir, root } = await openAppDatabase(true);
  try {
    ui.info(`${kleur.bold("Migrating")} ${db.url} ${kleur.dim(`from ${relative(root, dir) || "."}/`)}`);
    const result = await migrate(db, { dir, onEvent: printer("apply") }).catch((e: unknown) => fail(e, "migrate"));
    if (result.batch === null) ui.success("No migrations in migrations/: the database is empty");
    else ui.success(`Applied ${result.applied.length} migration${result.applied.length === 1 ? "" : "s"} (batch ${result.batch}) in ${ms(performance.now() - started)}`);
    if (options.seed) await seedWithProgress(db, root);
  } finally {
    await db.close();
    if (options.seed) await closeAfterSeeding();
  }
  if (!options.seed && discoverSeeders(root).length > 0) ui.info(ui.dim(`\nFill it with sample data: ${kleur.cyan("tina4 db:seed")} (or next time ${kleur.cyan(`${FRESH} --seed`)})`));
  else ui.info(ui.dim(`\nNext: ${kleur.cyan("tina4 serve")}`));
}

function stamp(d: Date | null): string {
  if (!d) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function runStatus(): Promise<void> {
  const { db, dir } = await openAppDatabase(false);
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

  program
    .command("migrate:fresh")
    .description("drop every table of the database (tina4's too), then run all migrations (asks first; refused in production)")
    .option("--seed", "then run the seeders in src/seeds/ (tina4 db:seed)")
    .option("-y, --yes", "do not ask (needed off a terminal)")
    .option("-f, --force", "do not ask, and run even when NODE_ENV=production")
    .action(runFresh);

  program.command("migrate:status").description("list applied (with batch and time) and pending migrations").action(runStatus);
}
