import { closeQueues, queue, queueBackend } from "../../runtime/jobs/index.js";
import { discoverJobFiles } from "../../runtime/jobs/processors.js";
import { openProject } from "../project.js";
import { cliErrorOf } from "./worker.js";

/** Runs `fn` against the app's queue backend, closing it after; runtime errors become one-line CLI errors. */
export async function withQueue<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const project = openProject();
  try {
    return await fn(project.root);
  } catch (error) {
    throw cliErrorOf(error);
  } finally {
    await closeQueues().catch(() => undefined);
  }
}

/** Job files and queues with stored jobs. */
export async function knownQueues(root: string): Promise<string[]> {
  const names = new Set(discoverJobFiles(root).map((f) => f.name));
  for (const name of await (await queueBackend()).queues()) names.add(name);
  return [...names].sort();
}

/** A queue name as queue() accepts it; a bad one is a one-line CLI error. */
export function checkName(name: string): string {
  try {
    return queue(name).name;
  } catch (error) {
    throw cliErrorOf(error);
  }
}
