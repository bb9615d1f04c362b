/**
 * Loads an app folder into an App in this process, the way `tina4 serve` does (the
 * TypeScript loader, `.env` files — `.env.test` first —, route files from src/routes): what
 * testClient() boots.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { App } from "../app.js";
import { loadEnvFiles, TEST_ENV_FILES } from "../config/env.js";
import { registerLoader } from "../loader/register.js";
import { discoverRouteFiles, loadRouteFiles } from "../router/file-routes.js";
import { OpsError, OpsErrorCode } from "./errors.js";

/** The nearest folder, from `start` upwards, holding src/routes. */
export function findAppFolder(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "src", "routes"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new OpsError(OpsErrorCode.NO_APP, `No tina4 app in ${resolve(start)} or any folder above it (no src/routes)`);
    dir = parent;
  }
}

let shared: App | null = null;

/** The app `tina4 serve` runs (runtime/index.ts registers it; a lookup, not an import: no cycle). */
export function registerSharedApp(app: App): void {
  shared = app;
}

export function sharedApp(): App {
  if (!shared) throw new Error("the tina4 runtime's shared app is not registered (import tina4 first)");
  return shared;
}

const booted = new Map<string, Promise<void>>();

/** Loads the app at `root` into `app` once per process (route files register on import). */
export function bootInProcess(app: App, root: string): Promise<void> {
  let done = booted.get(root);
  if (!done) {
    done = (async () => {
      loadEnvFiles(root, TEST_ENV_FILES);
      registerLoader();
      app.configure({ publicDir: join(root, "public"), templatesDir: join(root, "src", "templates") });
      await loadRouteFiles(app, discoverRouteFiles(root));
    })();
    booted.set(root, done);
    done.catch(() => booted.delete(root));
  }
  return done;
}
