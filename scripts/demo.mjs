// `npm run demo`: creates the demo app once (SQLite + memory cache, no servers needed), then
// serves it. An existing demo is kept as it is: it is the app the README invites you to
// edit, so running the demo again must not revert those edits. Delete demo/ to start over.
// Arguments go to `tina4 serve` (npm run demo -- --port 8080). TINA4_DEMO_DIR moves the demo.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "tina4");
const dir = process.env.TINA4_DEMO_DIR ? resolve(process.env.TINA4_DEMO_DIR) : join(root, "demo");
const shown = relative(process.cwd(), dir) || ".";

if (existsSync(join(dir, "src", "routes"))) {
  console.log(`Serving the existing demo in ${shown}/ (your edits are kept; delete the folder to start afresh)`);
} else {
  // init's own "Next steps" (cd, tina4 serve, port 7148) do not fit here: the demo is served
  // at once, maybe on another port, by a tina4 that may not be on the PATH yet. Keep its first line.
  const init = spawnSync(process.execPath, [bin, "init", dir, "--yes", "--db", "sqlite", "--cache", "memory"], {
    stdio: ["inherit", "pipe", "inherit"],
    encoding: "utf8",
    env: process.stdout.isTTY && process.env.FORCE_COLOR === undefined ? { ...process.env, FORCE_COLOR: "1" } : process.env, // piped, it keeps its colours
  });
  if (init.status !== 0) {
    process.stdout.write(init.stdout ?? "");
    process.exit(init.status ?? 1);
  }
  console.log(init.stdout.split("\n")[0]);
  console.log(`Serving it now. Edit ${shown}/src/routes/api/hello/get.ts and the server reloads; for a tina4 command of your own see the README ("Get the tina4 command").`);
}

const serve = spawn(process.execPath, [bin, "serve", ...process.argv.slice(2)], { cwd: dir, stdio: "inherit" });
// Ctrl-C reaches the server from the terminal itself; a SIGTERM sent to this process alone is passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => serve.kill("SIGTERM"));
serve.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
