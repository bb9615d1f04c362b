import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { packageRoot } from "./project.js";
import { ui } from "./ui.js";
import { registerInit } from "./commands/init.js";
import { registerServe } from "./commands/serve.js";
import { registerRoutes } from "./commands/routes.js";
import { registerBuild } from "./commands/build.js";
import { registerGenerate } from "./commands/generate.js";

const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };

const program = new Command()
  .name("tina4")
  .description("TypeScript toolchain for Node.js web apps")
  .version(pkg.version, "-v, --version")
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text) => ui.error(text.replace(/^error: /, "").trim()) });

registerInit(program);
registerServe(program);
registerRoutes(program);
registerBuild(program);
registerGenerate(program);

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
