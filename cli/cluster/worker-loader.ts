/**
 * What node:cluster runs in a worker (built to worker-loader.cjs by scripts/build.mjs).
 * Production runs the worker bundle as a script with a V8 code cache (cached-script.ts); the
 * worker calls CODE_CACHE_HOOK once it listens, so the first start without a usable cache
 * writes one. Dev, and production with TINA4_SOURCE_MAPS=1, import the ES module bundle
 * instead: source maps, which dev error pages rely on, do not apply to node:vm scripts.
 */
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadCachedScript } from "./cached-script.js";
import { CODE_CACHE_HOOK, WORKER_ENV, type WorkerConfig } from "./protocol.js";
import { setting } from "../../runtime/config/settings.js";

const config = JSON.parse(process.env[WORKER_ENV] ?? "null") as WorkerConfig | null;

if (config?.mode !== "production" || setting("TINA4_SOURCE_MAPS") === "1") {
  void import(pathToFileURL(join(__dirname, "worker.bundle.js")).href);
} else {
  const file = join(__dirname, "worker.bundle.cjs");
  const { fn, save } = loadCachedScript(file, ["exports", "require", "module", "__filename", "__dirname", "__tina4_import"]);
  (globalThis as Record<symbol, unknown>)[CODE_CACHE_HOOK] = save;
  const module = { exports: {} };
  // scripts/build.mjs turned the bundle's `import(x)` calls into `__tina4_import(x)` (a
  // node:vm script cannot import); from here they resolve exactly as from the bundle's folder.
  fn(module.exports, require, module, file, dirname(file), (specifier: string) => import(specifier));
}
