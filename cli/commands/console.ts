import { basename } from "node:path";
import type { Command } from "commander";
import kleur from "kleur";
import { DbErrorCode } from "../../runtime/db/errors.js";
import { openProject, type Project } from "../project.js";
import { pendingMigrations } from "../pending-migrations.js";
import { checkStartupSettings } from "../validate-settings.js";
import { DEFAULT_DATABASE_URL, readSetting } from "../settings.js";
import { ui } from "../ui.js";
import { loadConsoleApp } from "../console/load.js";
import { describeLoadError, formatLoadError } from "../load-error.js";
import { importModels } from "../console/models.js";
import { lazyDatabase } from "../console/database.js";
import { bind, bindingValues, modelReloader } from "../console/bindings.js";
import { banner } from "../console/banner.js";
import { historyFile } from "../console/history.js";
import { closeConsole, readStdin } from "../console/io.js";
import { describeFailure, evaluate, formatResult } from "../console/evaluate.js";
import { runSession } from "../console/session.js";

interface ConsoleOptions {
  eval?: string;
}

/**
 * `tina4 console`: the app loaded in a REPL (models, db, cache, app, tina4 bound; top-level
 * await). With --eval, or a script on stdin, runs it once and exits: 0 with its value
 * printed, 1 with its error.
 */
export function registerConsole(program: Command): void {
  program
    .command("console")
    .description("a REPL with the app loaded: models by class name, db, cache, app, tina4 (top-level await works)")
    .option("-e, --eval <code>", "run the code, print its result and exit (exit 1 when it throws)")
    .action(async (options: ConsoleOptions) => {
      const project = openProject();
      checkStartupSettings();
      const environment = process.env.NODE_ENV || "development";
      const name = basename(project.root);
      const setting = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
      const database = lazyDatabase(setting);
      const { app, models } = await loadConsoleApp(project, environment !== "production");
      const { values, skipped } = bindingValues({ models: models.classes, database, app, tina4: await import("../../runtime/index.js") }, globalThis);
      for (const model of skipped) ui.warn(`model ${model} is not bound: ${model} already names something else here (reach it with: await import("./${models.files.get(model)}"))`);
      for (const model of models.duplicates) ui.warn(`two files under src/models export a class ${model}: the first is bound`);
      bind(globalThis, values);
      const script = options.eval ?? (process.stdin.isTTY ? null : await readStdin());
      let code = 0;
      if (script !== null) {
        code = await runScript(script, project);
      } else {
        const history = historyFile(project.root);
        const bound = new Map([...models.classes].filter(([model, cls]) => values.get(model) === cls));
        console.log(banner({ name, environment, database: setting, url: database.url, models: [...bound.keys()], history }));
        const reload = modelReloader(project.root, globalThis, bound, importModels);
        await runSession({
          // production says so at every line, as Rails' console does: its data is the real data
          prompt: environment === "production" ? `${ui.cyan(name)}(${kleur.red("production")})> ` : `${ui.cyan(name)}> `,
          colors: kleur.enabled && process.stdout.isTTY === true,
          history,
          reload: () =>
            reload().then(
              (names) => `${kleur.green("✔")} reloaded src/models: ${names.join(", ") || "(no models)"}`,
              (error: unknown) => `${kleur.red("✖")} ${formatLoadError(describeLoadError(error, project.root))}\n${ui.dim("  the models stay as they were: fix the file and .reload again")}`,
            ),
        });
      }
      await closeConsole(database);
      process.exit(code);
    });
}

/** Runs a script once: its value on stdout and 0, or its error on stderr and 1. */
async function runScript(script: string, project: Project): Promise<number> {
  try {
    const shown = formatResult(await evaluate(script), kleur.enabled && process.stdout.isTTY === true);
    if (shown !== null) console.log(shown);
    return 0;
  } catch (error) {
    const { message, frames } = describeFailure(error, project.root);
    ui.error(message);
    for (const frame of frames) console.error(ui.dim(`    at ${frame}`));
    // a failed query before `tina4 migrate` ("no such table"): say what is missing, as serve does at start
    if ((error as { code?: unknown }).code === DbErrorCode.QUERY) {
      const pending = await pendingMigrations(project).catch(() => null);
      if (pending) ui.warn(`${pending.length} migration${pending.length === 1 ? " is" : "s are"} not applied yet (${pending.join(", ")}): run ${kleur.cyan("tina4 migrate")}`);
    }
    return 1;
  }
}
