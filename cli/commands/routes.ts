import type { Command } from "commander";
import { openProject } from "../project.js";
import { bootApp } from "../boot.js";
import { table, ui } from "../ui.js";

export function registerRoutes(program: Command): void {
  program
    .command("routes")
    .description("list every route (method, path, source, middleware) without starting a server")
    .option("--json", "print JSON instead of a table")
    .action(async (options: { json?: boolean }) => {
      const project = openProject();
      const app = await bootApp(project, { dev: false });
      const routes = app.routes();
      if (options.json) {
        console.log(JSON.stringify(routes, null, 2));
        return;
      }
      const rows = routes.map((r) => [r.method, r.path, r.source, r.middleware.join(", ") || ui.dim("-")]);
      console.log(table(["METHOD", "PATH", "SOURCE", "MIDDLEWARE"], rows));
      console.log(ui.dim(`\n${routes.length} route${routes.length === 1 ? "" : "s"}`));
    });
}
