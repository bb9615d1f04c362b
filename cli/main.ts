import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { packageRoot } from "./project.js";
import { ui } from "./ui.js";
import type { Command as CommandType } from "commander";

type Register = (program: CommandType) => void;

/**
 * Each command's module, loaded on demand: starting `tina4 serve` should not pay for
 * prompts, the generators or the migration runner (start-up time is benchmarked).
 */
const commands: Record<string, () => Promise<Register>> = {
  init: async () => (await import("./commands/init.js")).registerInit,
  serve: async () => (await import("./commands/serve.js")).registerServe,
  routes: async () => (await import("./commands/routes.js")).registerRoutes,
  build: async () => (await import("./commands/build.js")).registerBuild,
  generate: async () => (await import("./commands/generate.js")).registerGenerate,
  migrate: async () => (await import("./commands/migrate.js")).registerMigrate,
};
const aliases: Record<string, string> = { g: "generate" };

/** The modules needed for this invocation: just the named command, or all (help, typos). */
function wanted(argv: string[]): string[] {
  if (argv.length === 1 && (argv[0] === "-v" || argv[0] === "--version")) return [];
  const first = argv.find((arg) => !arg.startsWith("-"));
  const name = first === undefined ? undefined : (aliases[first] ?? first.split(":")[0]!);
  return name !== undefined && name in commands && !argv.includes("--help") && !argv.includes("-h") ? [name] : Object.keys(commands);
}

const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };

const program = new Command()
  .name("tina4")
  .description("TypeScript toolchain for Node.js web apps")
  .version(pkg.version, "-v, --version")
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text) => ui.error(text.replace(/^error: /, "").trim()) });

for (const register of await Promise.all(wanted(process.argv.slice(2)).map((name) => commands[name]!()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed by configureOutput
    process.exit(error.exitCode);
  }
  const exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  ui.error((error as Error)?.message ?? String(error));
  if (process.env.TINA4_DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(exitCode);
}
