import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { openProject } from "../project.js";
import { bootApp } from "../boot.js";
import { createNoSqliteFiles } from "../../runtime/db/adapters/sqlite.js";
import { ui } from "../ui.js";
import { devServerUrl } from "../server-url.js";

export function registerOpenApi(program: Command): void {
  program
    .command("openapi")
    .description("write the app's OpenAPI 3.1 document without starting a server")
    .option("-o, --out <file>", "write to this file instead of printing it")
    .option("--yaml", "YAML instead of JSON")
    .action(async (options: { out?: string; yaml?: boolean }) => {
      const project = openProject();
      createNoSqliteFiles(); // only looking: a route module that connects at import must not create the database
      const app = await bootApp(project, { dev: false });
      const { appDocument } = await import("../../runtime/openapi/serve.js");
      const document = appDocument(app, app.openapi);
      const text = options.yaml ? (await import("yaml")).stringify(document, { aliasDuplicateObjects: false }) : `${JSON.stringify(document, null, 2)}\n`;
      if (!options.out) {
        process.stdout.write(text);
        return;
      }
      const file = resolve(options.out);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      const operations = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
      ui.success(`Wrote ${relative(process.cwd(), file) || file} (OpenAPI ${document.openapi}, ${operations} operation${operations === 1 ? "" : "s"})`);
      ui.info(ui.dim(`Browse it live: tina4 serve, then open ${devServerUrl()}${app.openapi.docsPath}`));
    });
}
