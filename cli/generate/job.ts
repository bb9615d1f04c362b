/**
 * `tina4 generate job <name> [--schedule CRON]`: src/jobs/<name>.ts (the processor of queue
 * `<name>`) and test/jobs/<name>.test.ts (a unit test with `testJob`).
 */
import { join } from "node:path";
import { parseSchedule } from "../../runtime/jobs/scheduler.js";
import { CliError, CliErrorCode } from "../errors.js";
import { readTemplate, type PlannedFile } from "../templates.js";
import { pascalCase } from "./names.js";

/** A queue name that is also a file name: letters, digits, "-" and "_", starting with a letter. */
export function jobName(text: string): string {
  if (typeof text !== "string" || text.trim() === "") throw new CliError("Job name must not be empty", CliErrorCode.BAD_NAME);
  if (/[\\/]|\.\./.test(text)) throw new CliError(`Job name "${text}" must not contain path separators or ".."`, CliErrorCode.BAD_NAME);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,99}$/.test(text)) {
    throw new CliError(`Job name "${text}" must start with a letter and contain only letters, digits, "-" or "_" (it is the queue name)`, CliErrorCode.BAD_NAME);
  }
  return text;
}

export function planJob(root: string, name: string, options: { schedule?: string | undefined }): PlannedFile[] {
  const queue = jobName(name);
  const vars: Record<string, string> = { name: queue, Type: pascalCase(queue) };
  let kind = "job";
  if (options.schedule !== undefined) {
    try {
      parseSchedule({ cron: options.schedule, timezone: undefined }, "--schedule");
    } catch (error) {
      throw new CliError((error as Error).message, CliErrorCode.BAD_OPTION);
    }
    if (/["\\\n]/.test(options.schedule)) throw new CliError("--schedule must not contain quotes, backslashes or newlines", CliErrorCode.BAD_OPTION);
    vars.schedule = options.schedule.trim();
    kind = "scheduled";
  }
  return [
    { path: join(root, "src", "jobs", `${queue}.ts`), contents: readTemplate(`generate/job/${kind}.ts`, vars) },
    { path: join(root, "test", "jobs", `${queue}.test.ts`), contents: readTemplate(`generate/job/${kind}.test.ts`, vars) },
  ];
}
