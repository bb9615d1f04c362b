import type { Command } from "commander";
import kleur from "kleur";
import { migrationStatus } from "../../runtime/migrate/index.js";
import { openAppDatabase } from "../database/open.js";
import { fail } from "../database/progress.js";
import { closeAfterSeeding, seedWithProgress } from "../database/seed.js";
import { ui } from "../ui.js";

/** `tina4 db:seed [--only name]`: the app's seeders, each in its own transaction. */
async function runSeed(options: { only?: string }): Promise<void> {
  // no database yet: seeding needs the migrated tables, so say so instead of creating an empty file
  const { db, dir, root } = await openAppDatabase(false);
  let ran: number;
  try {
    const { pending } = await migrationStatus(db, { dir }).catch((e: unknown) => fail(e, "status"));
    if (pending > 0) ui.warn(`${pending} migration${pending === 1 ? " is" : "s are"} not applied yet: run ${kleur.cyan("tina4 migrate")} first if the seeders need ${pending === 1 ? "it" : "them"}`);
    ran = await seedWithProgress(db, root, options.only);
  } finally {
    await db.close();
    await closeAfterSeeding();
  }
  if (ran > 0) ui.info(ui.dim(`\nStart over with an empty, freshly migrated and seeded database: ${kleur.cyan("tina4 migrate:fresh --seed")}`));
}

export function registerDb(program: Command): void {
  program
    .command("db:seed")
    .description("fill the database with the seeders in src/seeds/ (by file name, each in a transaction)")
    .option("--only <name>", "run one seeder (its file name without .ts, e.g. 01_users)")
    .action(runSeed);
}
