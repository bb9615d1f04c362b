/**
 * How many workers `tina4 serve --production` runs. Read twice: by prefork.ts from the raw
 * command line, before commander has parsed it (the first fork fixes how connections reach
 * the workers: worker-handle.ts), and by serve.ts from commander's options. Both go through
 * workerCount(), so they cannot disagree.
 */
import { availableParallelism } from "node:os";
import { setting } from "../../runtime/config/settings.js";

/** serve's options (cli/commands/serve.ts) as commander reads them: which take a value. */
const SERVE_VALUE_OPTIONS = new Set(["-p", "--port", "-H", "--host", "-w", "--workers"]);
const SERVE_SHORT_FLAGS = new Set(["-q", "-h"]);

/**
 * The `--workers` value in a `serve` command line, read as commander reads it (the last one
 * given; `--workers N`, `--workers=N`, `-w N`, `-wN`, `-qwN`), or undefined. prefork.ts needs
 * the count before commander has parsed anything, since the first fork fixes how connections
 * reach the workers (worker-handle.ts). test/cli/worker-count.test.ts holds it to commander.
 */
export function workersFlag(argv: readonly string[]): string | undefined {
  const command = argv.indexOf("serve");
  if (command < 0) return undefined;
  let flag: string | undefined;
  for (let i = command + 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--workers" || arg === "-w") flag = argv[++i];
    else if (arg.startsWith("--workers=")) flag = arg.slice("--workers=".length);
    else if (SERVE_VALUE_OPTIONS.has(arg)) i++; // its value, even one that looks like an option
    else if (/^-[^-]/.test(arg)) {
      // -qw2: boolean short options, then one that takes the rest of the group (or the next argument)
      for (let at = 1; at < arg.length; at++) {
        const short = `-${arg[at]}`;
        if (SERVE_SHORT_FLAGS.has(short)) continue;
        if (!SERVE_VALUE_OPTIONS.has(short)) break; // unknown: commander stops with an error
        const value = at + 1 < arg.length ? arg.slice(at + 1) : argv[++i];
        if (short === "-w") flag = value;
        break;
      }
    }
  }
  return flag;
}

/** serve's options that take a value, and its boolean short options (for the test that compares them with serve.ts). */
export const SERVE_OPTION_SHAPES = { values: SERVE_VALUE_OPTIONS, shortFlags: SERVE_SHORT_FLAGS } as const;

/** Worker count: --workers, else TINA4_WORKERS, else the available parallelism. */
export function workerCount(flag: string | undefined): number {
  if (flag === undefined) return setting("TINA4_WORKERS") ?? availableParallelism();
  if (flag === "") return availableParallelism();
  const count = Number(flag);
  if (!Number.isInteger(count) || count < 1 || count > 1024) throw new Error(`Invalid worker count "${flag}" (expected an integer from 1)`);
  return count;
}
