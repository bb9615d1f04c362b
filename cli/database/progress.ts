import kleur from "kleur";
import { DatabaseError } from "../../runtime/db/index.js";
import { MigrateErrorCode, MigrationError, type MigrationEvent } from "../../runtime/migrate/index.js";
import { CliError } from "../errors.js";
import { ui } from "../ui.js";

/** A duration as "12 ms" or "1.20 s". */
export const ms = (n: number) => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);

/** Prints progress lines: "› name … ✔ 12 ms". */
export function printer(verb: string): (event: MigrationEvent) => void {
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
export function fail(error: unknown, what: string): never {
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

