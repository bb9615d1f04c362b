import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { openProject } from "../project.js";
import { buildApp, printBuilt } from "../bundle/build.js";
import { ui } from "../ui.js";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("bundle the app into dist/ for `tina4 serve --production`")
    .option("--clean", "empty dist/ first")
    .action(async (options: { clean?: boolean }) => {
      const project = openProject();
      if (options.clean) rmSync(join(project.root, "dist"), { recursive: true, force: true });
      printBuilt(await buildApp(project), project.root);
      ui.info(`Start it:  ${ui.cyan("tina4 serve --production")}  ${ui.dim("(or npm start: one worker per core; TINA4_SECRET must be set)")}`);
    });
}
