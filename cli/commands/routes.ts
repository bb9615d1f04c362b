import { relative, sep } from "node:path";
import type { Command } from "commander";
import type { App, RouteInfo } from "../../runtime/app.js";
import { pageRoutes } from "../../runtime/templates/pages.js";
import { openProject } from "../project.js";
import { bootApp } from "../boot.js";
import { createNoSqliteFiles } from "../../runtime/db/adapters/sqlite.js";
import { table, ui } from "../ui.js";

export function registerRoutes(program: Command): void {
  program
    .command("routes")
    .description("list every route and page template (method, path, secured, CSRF when a route opts out, source, middleware) without starting a server")
    .option("--json", "print JSON instead of a table")
    .action(async (options: { json?: boolean }) => {
      const project = openProject();
      createNoSqliteFiles(); // only looking: a route module that connects at import must not create the database
      const app = await bootApp(project, { dev: false });
      const routes = withPages(app.routes(), app, project.root);
      if (options.json) {
        console.log(JSON.stringify(routes, null, 2));
        return;
      }
      // a CSRF column only when some route opted out: its "off" must stand out, and the table stays as it was otherwise
      const csrfColumn = routes.some((r) => r.csrf === false);
      const rows = routes.map((r) => [r.method, r.path, securedLabel(r.secured), ...(csrfColumn ? [csrfLabel(r)] : []), r.source, r.middleware.join(", ") || ui.dim("-")]);
      console.log(table(["METHOD", "PATH", "SECURED", ...(csrfColumn ? ["CSRF"] : []), "SOURCE", "MIDDLEWARE"], rows));
      console.log(ui.dim(`\n${routes.length} route${routes.length === 1 ? "" : "s"}`));
    });
}

/** yes: needs a user (401 without); writes: an ANY route, secured for POST/PUT/PATCH/DELETE. */
function securedLabel(secured: RouteInfo["secured"]): string {
  return secured === true ? ui.bold("yes") : secured === "writes" ? ui.bold("writes") : ui.dim("no");
}

/** off: the route's own `csrf = false` (its unsafe requests are not CSRF-checked). */
function csrfLabel(route: RouteInfo): string {
  return route.csrf === false ? ui.bold("off") : ui.dim("-");
}

/** Page templates answer the GETs no route takes; their SOURCE is the template file. */
function withPages(routes: RouteInfo[], app: App, root: string): RouteInfo[] {
  if (!app.views) return routes;
  const taken = new Set(routes.filter((r) => r.method === "GET" || r.method === "ANY").map((r) => r.path));
  // Pages run under the global middleware, then those of the pages() declaration covering them (if any)
  const pages = pageRoutes(app.views)
    .filter((page) => !taken.has(page.path))
    .map((page) => ({ method: "GET", path: page.path, source: relative(root, page.file).split(sep).join("/"), ...app.pageInfo(page.path) }));
  return [...routes, ...pages].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
