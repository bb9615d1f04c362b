/**
 * Loads the app for the console the way `tina4 routes` and testClient() do: the TypeScript
 * loader, src/app.ts and the route files (they register routes and may configure the app),
 * then the models. Nothing listens and no job processor or schedule starts.
 */
import { join } from "node:path";
import { app, type App } from "../../runtime/index.js";
import { registerLoader } from "../../runtime/loader/register.js";
import { discoverRouteFiles, loadRouteFiles } from "../../runtime/router/file-routes.js";
import { setting } from "../../runtime/config/settings.js";
import type { Project } from "../project.js";
import { CliError } from "../errors.js";
import { describeLoadError, formatLoadError } from "../load-error.js";
import { ConsoleErrorCode } from "./errors.js";
import { importModels, type LoadedModels } from "./models.js";

/** A load failure as the one-line CLI error: file, line, column, message and the code frame. */
export function loadFailure(error: unknown, root: string): CliError {
  return new CliError(`could not load the app: ${formatLoadError(describeLoadError(error, root))}`, ConsoleErrorCode.LOAD);
}

export async function loadConsoleApp(project: Project, dev: boolean): Promise<{ app: App; models: LoadedModels }> {
  registerLoader();
  app.configure({ dev, publicDir: project.publicDir, maxBody: setting("TINA4_MAX_BODY"), templatesDir: join(project.root, "src", "templates") });
  try {
    await loadRouteFiles(app, discoverRouteFiles(project.root, project.routesDir));
    return { app, models: await importModels(project.root) };
  } catch (error) {
    throw loadFailure(error, project.root);
  }
}
