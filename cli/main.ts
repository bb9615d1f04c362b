import type { Command as CommandType } from "commander";
import { setting } from "../runtime/config/settings.js";

// `serve --production` forks its first worker before anything else loads, so the worker's
// Node start overlaps this process's (see cluster/prefork.ts); hence the dynamic imports below.
const argv = process.argv.slice(2);
if (argv.includes("--production")) {
  const { prefork, wantsPrefork } = await import("./cluster/prefork.js");
  if (wantsPrefork(argv)) prefork();
}

const [{ readFileSync }, { join }, { Command, CommanderError }, { packageRoot }, { ui }] = await Promise.all([
  import("node:fs"),
  import("node:path"),
  import("commander"),
  import("./project.js"),
  import("./ui.js"),
]);

type Register = (program: CommandType) => void;

/**
 * Each command's module, loaded on demand: starting `tina4 serve` should not pay for
 * prompts, the generators or the migration runner (start-up time is benchmarked).
 */
const commands: Record<string, () => Promise<Register>> = {
  init: async () => (await import("./commands/init.js")).registerInit,
  serve: async () => (await import("./commands/serve.js")).registerServe,
  routes: async () => (await import("./commands/routes.js")).registerRoutes,
  openapi: async () => (await import("./commands/openapi.js")).registerOpenApi,
  build: async () => (await import("./commands/build.js")).registerBuild,
  generate: async () => (await import("./commands/generate.js")).registerGenerate,
  migrate: async () => (await import("./commands/migrate.js")).registerMigrate,
  db: async () => (await import("./commands/db.js")).registerDb,
  worker: async () => (await import("./commands/worker.js")).registerWorker,
  queue: async () => (await import("./commands/queue.js")).registerQueue,
  console: async () => (await import("./commands/console.js")).registerConsole,
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

const names = wanted(argv);
for (const register of await Promise.all(names.map((name) => commands[name]!()))) register(program);
// Help and usage errors load every command: only then are the examples worth loading.
const help = names.length > 1 ? await import("./help.js") : null;
help?.addExamples(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed by configureOutput: say where the usage is
    if (error.exitCode !== 0 && error.code !== "commander.help") {
      const { helpCommand } = help ?? (await import("./help.js"));
      console.error(ui.dim(`  see: ${helpCommand(program, argv)}`));
    }
    process.exit(error.exitCode);
  }
  const exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  ui.error((error as Error)?.message ?? String(error));
  if (setting("TINA4_DEBUG") && error instanceof Error) console.error(error.stack);
  process.exit(exitCode);
}
