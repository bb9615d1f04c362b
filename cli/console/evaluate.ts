/**
 * `tina4 console --eval` and a script piped on stdin: the code runs once, as typed at the
 * prompt would (node:repl's evaluator: top-level await, the value of the last expression,
 * `const` usable by later lines), and the caller gets its value or its error.
 */
import { Domain, create as createDomain } from "node:domain";
import repl, { type ReplOptions } from "node:repl";
import { PassThrough, Writable } from "node:stream";
import { inspect } from "node:util";
import { sep } from "node:path";

/**
 * Runs `code` in the main context. node:repl reports a runtime error to its domain, never to
 * the eval callback, so the REPL gets a domain of ours (its `domain` option) whose `error`
 * event settles the run; its own handler writes to a sink nobody reads.
 */
export async function evaluate(code: string): Promise<unknown> {
  const trap: Domain = createDomain();
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const options = { input: new PassThrough(), output: sink, terminal: false, useGlobal: true, prompt: "", domain: trap };
  const server = repl.start(options as ReplOptions);
  try {
    return await new Promise<unknown>((resolve, reject) => {
      trap.on("error", reject);
      server.eval(code.endsWith("\n") ? code : `${code}\n`, server.context, "eval", (error, result) => {
        // Recoverable: the code stops mid-statement ("1 +"); at a prompt it would wait for more
        if (error instanceof repl.Recoverable) reject((error as unknown as { err: Error }).err);
        else if (error) reject(error);
        else resolve(result);
      });
    });
  } finally {
    server.close();
  }
}

/** The value as the console prints it: strings as they are (for scripts), nothing for undefined. */
export function formatResult(value: unknown, colors: boolean): string | null {
  if (value === undefined) return null;
  if (typeof value === "string") return value;
  return inspect(value, { colors, depth: 6 });
}

/** `TypeError: x is not a function` and the stack lines inside the app (not node's, not tina4's, not packages'). */
export function describeFailure(error: unknown, root: string): { message: string; frames: string[] } {
  if (!(error instanceof Error)) return { message: `Uncaught ${inspect(error)}`, frames: [] };
  const code = (error as { code?: unknown }).code;
  // tina4's own errors read as the CLI's do (message and code); others as node prints them (TypeError: ...)
  const message = typeof code === "string" && code.startsWith("T4_ERR") ? `${error.message} (${code})` : `${error.name}: ${error.message}`;
  // a ValidationError's fields (and any error listing its problems): the message alone says only "Validation failed"
  const problems = (error as { errors?: unknown }).errors;
  const details = Array.isArray(problems)
    ? problems.map((problem: { field?: unknown; path?: unknown; message?: unknown }) => `  ${String(problem.field ?? problem.path ?? "")}: ${String(problem.message ?? "")}`)
    : [];
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && line.includes(root + sep) && !line.includes(`${sep}node_modules${sep}`))
    .map((line) => line.trim().replace(/^at /, "").replace(`file://${root}${sep}`, "").replace(`${root}${sep}`, ""));
  return { message: [message, ...details].join("\n"), frames };
}
