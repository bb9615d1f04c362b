/**
 * How `tina4 queue:show` presents one stored job (JobInfo, the same shape on the database and
 * BullMQ backends): a coloured block for people, and a JSON object for scripts.
 */
import kleur from "kleur";
import { tickOf } from "../../runtime/jobs/backend.js";
import type { JobInfo, JobState } from "../../runtime/jobs/index.js";

/** Completed or failed: the job will not run again unless someone retries it. */
export function hasEnded(job: JobInfo): boolean {
  return job.state === "completed" || job.state === "failed";
}

const STATE_COLOUR: Record<JobState, (text: string) => string> = {
  waiting: kleur.cyan,
  delayed: kleur.yellow,
  active: (text) => kleur.bold().blue(text),
  completed: kleur.green,
  failed: kleur.red,
};

export function stateText(state: JobState): string {
  return STATE_COLOUR[state](state);
}

/** Attempts started of those allowed: "2 of 3". */
export function attemptCount(job: JobInfo): string {
  return `${job.attemptsMade} of ${job.attempts}`;
}

/** As attemptCount, "(running)" while active. */
export function attemptsText(job: JobInfo): string {
  return `${attemptCount(job)}${job.state === "active" ? " (running)" : ""}`;
}

const stamp = (date: Date) => `${date.toISOString().replace("T", " ").slice(0, 23)} UTC`;

/** A value on one line, cut at `max` characters (`--json` shows it whole). */
function oneLine(value: unknown, max = 160): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const flat = text.replace(/\s*\n\s*/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}… ${kleur.dim("(--json shows all)")}` : flat;
}

/** The job's fields, one per line, the label column aligned. */
export function describeJob(job: JobInfo): string {
  const rows: Array<[string, string]> = [
    ["state", stateText(job.state)],
    ["attempts", attemptsText(job)],
    ["priority", String(job.priority)],
  ];
  if (job.progress !== null) rows.push(["progress", String(job.progress)]);
  rows.push(["created", stamp(job.createdAt)]);
  const tick = tickOf(job.id);
  if (tick) rows.push(["scheduled", `${stamp(tick)} ${kleur.dim("(a schedule's run)")}`]);
  rows.push(["finished", job.finishedAt ? stamp(job.finishedAt) : kleur.dim("not yet")]);
  rows.push(["data", oneLine(job.data)]);
  if (job.state === "completed") rows.push(["result", oneLine(job.result ?? null)]);
  // the last failed attempt's message: the job's error once it failed, an earlier attempt's otherwise
  if (job.error !== null) rows.push(job.state === "failed" ? ["error", kleur.red(oneLine(job.error, 400))] : ["last error", kleur.yellow(oneLine(job.error, 400))]);
  const header = `${kleur.bold(`Job ${job.id}`)} ${kleur.dim("in queue")} ${kleur.bold(job.queue)}`;
  const width = Math.max(...rows.map(([label]) => label.length));
  return [header, ...rows.map(([label, value]) => `  ${kleur.dim(label.padEnd(width))} ${value}`)].join("\n");
}

/** A stored log line, `<ISO time> <message>`, split; a line without the time keeps it all as the message. */
export function parseLogLine(line: string): { at: string | null; message: string } {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) ([\s\S]*)$/.exec(line);
  return match ? { at: match[1]!, message: match[2]! } : { at: null, message: line };
}

/** One log line for people: its time (the date too when it is not the job's creation day), then the message, continuation lines indented. */
export function formatLogLine(line: string, job: JobInfo): string {
  const { at, message } = parseLogLine(line);
  const sameDay = at !== null && at.slice(0, 10) === job.createdAt.toISOString().slice(0, 10);
  const time = at === null ? "" : sameDay ? at.slice(11, 23) : at.slice(0, 23).replace("T", " ");
  const pad = " ".repeat(time.length + 4);
  return `  ${kleur.dim(time)}  ${message.split("\n").join(`\n${pad}`)}`;
}

/** The lines of `now` that follow those already printed (`printed`: how many, and the last one), also once the kept window (the latest 1000) has moved on. */
export function linesAfter(now: readonly string[], printed: number, last: string | undefined): string[] {
  if (last === undefined) return [...now];
  if (now.length >= printed && now[printed - 1] === last) return now.slice(printed);
  const at = now.lastIndexOf(last);
  return at >= 0 ? now.slice(at + 1) : [...now];
}

/** The job for `--json`: dates as ISO text, log lines split into time and message. */
export function jobJson(job: JobInfo): Record<string, unknown> {
  return {
    id: job.id,
    queue: job.queue,
    state: job.state,
    attemptsMade: job.attemptsMade,
    attempts: job.attempts,
    priority: job.priority,
    progress: job.progress,
    data: job.data,
    result: job.result ?? null,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    scheduledFor: tickOf(job.id)?.toISOString() ?? null,
    logs: job.logs.map(parseLogLine),
  };
}
