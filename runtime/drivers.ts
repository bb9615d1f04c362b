import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Loads an optional driver package (pg, redis, memjs, ...) on first use. The app's own
 * node_modules is searched first, so a user who runs `npm install pg` in their app is
 * served even though the runtime itself lives in the CLI's folder; then the runtime's.
 * Resolves to the module namespace; rejects with `null` → the caller turns that into its
 * domain error naming the package to install.
 */
const loaded = new Map<string, Promise<unknown>>();

export function loadDriver<T>(packageName: string): Promise<T | null> {
  let pending = loaded.get(packageName);
  if (!pending) {
    pending = importDriver(packageName);
    loaded.set(packageName, pending);
  }
  return pending as Promise<T | null>;
}

async function importDriver(packageName: string): Promise<unknown> {
  const fromApp = createRequire(join(process.cwd(), "package.json"));
  try {
    const path = fromApp.resolve(packageName);
    return await import(pathToFileURL(path).href);
  } catch {
    // not installed in the app; fall through to the runtime's own dependencies
  }
  try {
    return await import(packageName);
  } catch (error) {
    if (isModuleNotFound(error, packageName)) return null;
    throw error;
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    String((error as Error).message).includes(packageName);
}

/** CommonJS drivers expose their API on `default` when imported from ESM. */
export function interop<T>(mod: unknown): T {
  const withDefault = mod as { default?: T };
  return (withDefault.default ?? mod) as T;
}
