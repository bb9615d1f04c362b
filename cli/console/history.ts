/**
 * The console's history file: `<app>/.tina4/console_history` (the folder ignores itself for
 * git), or `~/.tina4/history/<app>-<hash>` when the app folder is read-only. Created 0600:
 * typed lines may hold secrets. Stored as Node's REPL stores its own: newest line first.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join } from "node:path";

export const HISTORY_SIZE = 1000;

function candidates(root: string, home: string): string[] {
  const id = `${basename(root)}-${createHash("sha256").update(root).digest("hex").slice(0, 8)}`;
  return [join(root, ".tina4", "console_history"), join(home, ".tina4", "history", id)];
}

/** Makes the file (0600, its folder 0700) and returns its path; null when neither place is writable. */
export function historyFile(root: string, home = homedir()): string | null {
  for (const file of candidates(root, home)) {
    try {
      const dir = join(file, "..");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const ignore = join(dir, ".gitignore");
      if (dir === join(root, ".tina4") && !existsSync(ignore)) writeFileSync(ignore, "# tina4's local state (console history): never committed\n*\n");
      closeSync(openSync(file, "a", 0o600));
      chmodSync(file, 0o600); // a file made earlier with a looser mode
      return file;
    } catch {
      // read-only here (or no such HOME): try the next place
    }
  }
  return null;
}

export function readHistory(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter((line) => line.trim() !== "").slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

/** Rewrites the file with `lines` (newest first); a failure to write is not worth stopping the console for. */
export function writeHistory(file: string, lines: readonly string[]): boolean {
  try {
    writeFileSync(file, lines.slice(0, HISTORY_SIZE).join("\n") + "\n", { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
