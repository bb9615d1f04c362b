import { join } from "node:path";
import { app, type App } from "../runtime/index.js";
import { registerLoader } from "../runtime/loader/register.js";
import { discoverRouteFiles, loadRouteFiles } from "../runtime/router/file-routes.js";
import { RouterErrorCode } from "../runtime/router/errors.js";
import { setting } from "../runtime/config/settings.js";
import type { Project } from "./project.js";
import { CliError } from "./errors.js";

/**
 * Loads an app's route files from TypeScript sources into the shared runtime app.
 * `src/app.ts` (optional) is imported first: the place for global `use(...)`.
 */
export async function bootApp(project: Project, options: { dev: boolean }): Promise<App> {
  registerLoader();
  app.configure({ dev: options.dev, publicDir: project.publicDir, maxBody: setting("TINA4_MAX_BODY"), templatesDir: join(project.root, "src", "templates") });
  const files = discoverRouteFiles(project.root, project.routesDir);
  try {
    await loadRouteFiles(app, files);
  } catch (error) {
    throw new CliError((error as Error).message, (error as { code?: string }).code ?? RouterErrorCode.FILE);
  }
  return app;
}
