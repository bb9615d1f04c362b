import prompts from "prompts";
import kleur from "kleur";
import type { Project } from "../project.js";
import { CliError, CliErrorCode } from "../errors.js";

export interface DestructiveOptions {
  /** Also in production, and without asking. */
  force?: boolean | undefined;
  /** Without asking (not in production). */
  yes?: boolean | undefined;
}

/**
 * Production (NODE_ENV=production, from the environment or the app's .env files) refuses a
 * destructive command unless --force. Checked before the database is opened, so a refusal
 * never creates a SQLite file.
 */
export function refuseInProduction(project: Pick<Project, "envSources">, command: string, consequence: string, options: DestructiveOptions): void {
  if (options.force === true || process.env.NODE_ENV !== "production") return;
  const source = project.envSources.get("NODE_ENV") ?? "the environment";
  throw new CliError(
    `Refusing to run ${command} in production (NODE_ENV=production, from ${source}): it ${consequence}. Nothing was changed. ` +
      `If you really mean it: ${command} --force`,
    CliErrorCode.REFUSED,
  );
}

/**
 * Asks `question()` (worded once it is known to be asked) on a terminal (default: no) unless --yes or --force; off a terminal (CI, a
 * pipe) without either it refuses, as there is nobody to ask. A "no" (or Ctrl-C) is a
 * CliError CANCELLED: exit 1, so `tina4 migrate:fresh && …` stops.
 */
export async function confirmDestructive(command: string, question: () => Promise<string>, options: DestructiveOptions): Promise<void> {
  if (options.force === true || options.yes === true) return;
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new CliError(
      `${command} asks before it drops anything, and this is not a terminal: nobody can answer. Nothing was changed. ` +
        `Confirm on the command line: ${command} --yes`,
      CliErrorCode.REFUSED,
    );
  }
  let cancelled = false;
  const answer = (await prompts(
    { type: "confirm", name: "ok", message: await question(), initial: false },
    { onCancel: () => { cancelled = true; } },
  )) as { ok?: boolean };
  if (cancelled || answer.ok !== true) throw new CliError(`Cancelled: nothing was dropped (${kleur.cyan(`${command} --yes`)} skips the question)`, CliErrorCode.CANCELLED);
}
