import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { openProject } from "../project.js";
import { buildApp, printBuilt } from "../bundle/build.js";
import { BUILD_LOCK_FILE, withBuildLock } from "../bundle/build-lock.js";
import { ui } from "../ui.js";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("bundle the app into dist/ for `tina4 serve --production`")
    .option("--clean", "empty dist/ first")
    .action(async (options: { clean?: boolean }) => {
      const project = openProject();
      const dist = join(project.root, "dist");
      // Under the dist/ lock, so a `serve --production` starting meanwhile never boots from a half-written dist/.
      const built = await withBuildLock(project.root, (holder) => ui.step(`waiting for another build of dist/ (${holder})`), async () => {
        if (options.clean) for (const entry of readdirSync(dist)) if (entry !== BUILD_LOCK_FILE) rmSync(join(dist, entry), { recursive: true, force: true });
        return buildApp(project);
      });
      printBuilt(built, project.root);
      ui.info(`Start it:  ${ui.cyan("tina4 serve --production")}  ${ui.dim("(or npm start: one worker per core; TINA4_SECRET must be set)")}`);
    });
}
