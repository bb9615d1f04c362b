import type { Command } from "commander";
import kleur from "kleur";
import { queue, queueBackend, CLEARABLE_STATES, QueueErrorCode, type ClearableState, type JobCounts } from "../../runtime/jobs/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { table, ui } from "../ui.js";
import { checkName, knownQueues, withQueue } from "./queue-access.js";
import { show } from "./queue-show.js";

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) : "");
const oneLine = (text: string | null, max = 80) => {
  const t = (text ?? "").replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

async function status(name: string | undefined): Promise<void> {
  await withQueue(async (root) => {
    const backend = await queueBackend();
    const names = name !== undefined ? [checkName(name)] : await knownQueues(root);
    ui.info(`${kleur.bold("Queues")} on ${backend.location}\n`);
    if (names.length === 0) {
      ui.info(kleur.dim("  no queues yet — create a processor with: tina4 generate job <name>"));
      return;
    }
    const counts: Array<[string, JobCounts]> = [];
    for (const q of names) counts.push([q, await backend.counts(q)]);
    const rows = counts.map(([q, c]) => [q, String(c.waiting), String(c.active), String(c.delayed), String(c.completed), String(c.failed)]);
    ui.info(table(["QUEUE", "WAITING", "ACTIVE", "DELAYED", "COMPLETED", "FAILED"], rows).replace(/^/gm, "  "));
    if (name === undefined) {
      const failing = counts.filter(([, c]) => c.failed > 0).map(([q]) => q);
      if (failing.length > 0) ui.info(kleur.dim(`\n  failed jobs: tina4 queue:status ${failing[0]}`));
      return;
    }
    const failed = await backend.list(name, "failed", 20);
    if (failed.length === 0) return;
    ui.info(`\n${kleur.bold("Failed")} ${kleur.dim(`(newest ${failed.length})`)}`);
    const failedRows = failed.map((j) => [j.id, `${j.attemptsMade}/${j.attempts}`, when(j.finishedAt), oneLine(j.error)]);
    ui.info(table(["ID", "ATTEMPTS", "FAILED AT", "ERROR"], failedRows).replace(/^/gm, "  "));
    ui.info(kleur.dim(`\n  retry them: tina4 queue:retry ${name} --all   (or one: tina4 queue:retry ${name} <id>)`));
  });
}

async function retry(name: string, id: string | undefined, options: { all?: boolean }): Promise<void> {
  if ((id === undefined) === !options.all) throw new CliError("queue:retry needs either a job id or --all (not both)", CliErrorCode.BAD_OPTION);
  await withQueue(async () => {
    const q = queue(checkName(name));
    const n = await q.retry(id);
    if (id !== undefined && n === 0) throw new CliError(`No failed job "${id}" in queue "${name}" (see: tina4 queue:status ${name})`, QueueErrorCode.NOT_FOUND);
    if (n === 0) ui.success(`No failed jobs in queue "${name}"`);
    else ui.success(`Retried ${n} job${n === 1 ? "" : "s"} in queue "${name}" ${kleur.dim("(back to waiting with fresh attempts; a running `tina4 worker` picks them up)")}`);
  });
}

function parseStates(text: string | undefined): ClearableState[] {
  if (text === undefined) return [...CLEARABLE_STATES];
  const states = text.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (states.length === 0) throw new CliError("--state must name at least one state", CliErrorCode.BAD_OPTION);
  for (const s of states) {
    if (!(CLEARABLE_STATES as readonly string[]).includes(s)) {
      throw new CliError(`unknown state "${s}" for --state (valid: ${CLEARABLE_STATES.join(", ")}; active jobs are never cleared)`, CliErrorCode.BAD_OPTION);
    }
  }
  return states as ClearableState[];
}

async function clear(name: string | undefined, options: { state?: string }): Promise<void> {
  const states = parseStates(options.state);
  await withQueue(async (root) => {
    const names = name !== undefined ? [checkName(name)] : await knownQueues(root);
    let total = 0;
    for (const q of names) {
      const n = await queue(q).clear(states);
      total += n;
      if (n > 0) ui.step(`${q}: removed ${n} job${n === 1 ? "" : "s"}`);
    }
    ui.success(`Cleared ${total} job${total === 1 ? "" : "s"} (${states.join(", ")}) from ${names.length} queue${names.length === 1 ? "" : "s"}`);
  });
}

export function registerQueue(program: Command): void {
  program
    .command("queue:status [name]")
    .description("waiting/active/delayed/completed/failed counts per queue; with a name, its failed jobs")
    .action(status);
  program
    .command("queue:retry <name> [id]")
    .description("put failed jobs back with fresh attempts: one by id, or --all")
    .option("--all", "every failed job of the queue")
    .action(retry);
  program
    .command("queue:show <queueOrId> [id]")
    .description("one job: state, attempts, times, data, error and log lines (<queue> <id>, or the id alone)")
    .option("--json", "the job as JSON, for scripts")
    .option("--follow", "keep printing new log lines until the job completes or fails (exit 1 when it failed)")
    .action(show);
  program
    .command("queue:clear [name]")
    .description("remove jobs of one queue (or every queue): waiting, delayed, completed and failed by default, never active ones")
    .option("--state <list>", `only these states, comma-separated (${CLEARABLE_STATES.join(", ")})`)
    .action(clear);
}
