/** The console's edges: the script piped on stdin, and what it closes before the process exits. */
import { runShutdownHooks } from "../../runtime/lifecycle.js";
import type { LazyDatabase } from "./database.js";

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Closes the database the models and `db` share, then runs the app's shutdown hooks as a
 * graceful stop does (caches, sessions, the bus, queues, locks and any other Database the
 * app opened), so no connection is left for the server to time out.
 */
export async function closeConsole(database: LazyDatabase): Promise<void> {
  await database.close();
  await runShutdownHooks();
}
