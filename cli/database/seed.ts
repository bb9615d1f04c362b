import kleur from "kleur";
import type { Database } from "../../runtime/db/index.js";
import { registerLoader } from "../../runtime/loader/register.js";
import { discoverSeeders, runSeeders, SeedError, type SeedEvent } from "../../runtime/seed/index.js";
import { CliError } from "../errors.js";
import { ui } from "../ui.js";
import { ms } from "./progress.js";

/** Prints "› seed 01_users (1/2) ✔ 12 ms", under a header once the first seeder starts (not before an unknown --only). */
function progress(header: string): (event: SeedEvent) => void {
  let headed = false;
  return (event) => {
    if (!headed) ui.info(header);
    headed = true;
    onSeedEvent(event);
  };
}

/** Set while a seeder's progress line waits for its outcome: what the seeder prints ends it first. */
let openLine: string | null = null;

function onSeedEvent(event: SeedEvent): void {
  if (event.type === "start") {
    process.stdout.write(`  ${kleur.cyan("›")} seed ${event.name} ${kleur.dim(`(${event.index}/${event.total})`)}`);
    openLine = event.name;
    return;
  }
  const mark = event.type === "done" ? kleur.green("✔") : kleur.red("✖");
  // the seeder printed something: its output broke the line, so the outcome names the seeder again
  const outcome = openLine === null ? `  ${mark} seed ${event.name} ${kleur.dim(ms(event.ms))}\n` : ` ${mark} ${kleur.dim(ms(event.ms))}\n`;
  openLine = null;
  process.stdout.write(outcome);
}

/** While seeders run, a write to stdout or stderr first ends an open progress line. */
function endOpenLineBeforeOutput(): () => void {
  const originals = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, ...args: Parameters<typeof write>) {
      if (openLine !== null) {
        openLine = null;
        write.call(process.stdout, "\n");
      }
      return write.apply(this, args);
    } as typeof write;
    return { stream, write };
  });
  return () => {
    for (const { stream, write } of originals) stream.write = write;
  };
}

/**
 * Runs the app's seeders on `db` with progress lines (the seed files load through the same
 * TypeScript loader as `serve`, so they import the app's models and "tina4"). Returns how many
 * ran; a failure is a CliError carrying the SeedError's code.
 */
export async function seedWithProgress(db: Database, root: string, only?: string): Promise<number> {
  if (only === undefined && discoverSeeders(root).length === 0) {
    ui.info(`Nothing to seed: no seed files in src/seeds/ — create one with ${kleur.cyan("tina4 generate seeder products --model Product")}`);
    return 0;
  }
  registerLoader();
  const started = performance.now();
  const restore = endOpenLineBeforeOutput();
  try {
    const { ran } = await runSeeders(db, { root, only, onEvent: progress(`${kleur.bold("Seeding")} ${db.url} ${kleur.dim("from src/seeds/")}`) });
    ui.success(`Ran ${ran.length} seeder${ran.length === 1 ? "" : "s"} in ${ms(performance.now() - started)}`);
    return ran.length;
  } catch (error) {
    if (error instanceof SeedError) throw new CliError(error.message, error.code);
    throw error;
  } finally {
    restore();
  }
}

/**
 * After seeding: seeders may have opened connections or clients of their own (the models'
 * shared connection, a cache client); close them, and exit even if one left a timer behind.
 */
export async function closeAfterSeeding(): Promise<void> {
  const [{ Model }, { runShutdownHooks }] = await Promise.all([import("../../runtime/orm/index.js"), import("../../runtime/lifecycle.js")]);
  await Model.closeDatabase();
  await runShutdownHooks();
  setTimeout(() => {
    ui.warn("a seeder left something open (a timer, a connection): exiting anyway");
    process.exit(process.exitCode ?? 0);
  }, 2000).unref();
}
