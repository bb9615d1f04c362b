/**
 * What the console puts in scope: every model by class name, `db`, `cache`, `app` and the
 * runtime's exports as `tina4`. The REPL runs in the main context (useGlobal), so they are
 * globals: records from the database and the values typed at the prompt share one realm
 * (`instanceof Array` holds) and `await import(...)` works as in the app.
 */
import type { App } from "../../runtime/app.js";
import type { Model } from "../../runtime/orm/index.js";
import { cacheClear, cacheDelete, cacheGet, cacheGetMany, cacheSet, cacheStats, remember } from "../../runtime/cache/index.js";
import type { LazyDatabase } from "./database.js";

/** The KV cache (SPEC §6) as one object: `await cache.set("k", 1, 60)`, `await cache.get("k")`. */
export const consoleCache = { get: cacheGet, getMany: cacheGetMany, set: cacheSet, delete: cacheDelete, clear: cacheClear, stats: cacheStats, remember };

export const FIXED_NAMES = ["db", "cache", "app", "tina4"] as const;

export interface Bindings {
  models: Map<string, typeof Model>;
  database: LazyDatabase;
  app: App;
  tina4: Record<string, unknown>;
}

/**
 * Whether a model may take `name` in `scope`: not one of the console's own names, and no global
 * the runtime or the app may use (a model named URL or Event would replace `new URL(...)` for
 * every module). `ours` are names the console bound itself (a reload rebinds them).
 */
function free(name: string, scope: object, ours: ReadonlyMap<string, unknown> = new Map()): boolean {
  return !(FIXED_NAMES as readonly string[]).includes(name) && (ours.has(name) || !(name in scope));
}

/** Name → value of everything to bind in `scope`; models whose name is taken are left out (returned in `skipped`). */
export function bindingValues(bindings: Bindings, scope: object): { values: Map<string, unknown>; skipped: string[] } {
  const values = new Map<string, unknown>();
  const skipped: string[] = [];
  for (const [name, cls] of bindings.models) {
    if (free(name, scope)) values.set(name, cls);
    else skipped.push(name);
  }
  values.set("db", bindings.database.handle);
  values.set("cache", consoleCache);
  values.set("app", bindings.app);
  values.set("tina4", bindings.tina4);
  return { values, skipped };
}

/** Defines each binding on `scope` (writable: the user may reassign a name at the prompt). */
export function bind(scope: object, values: Map<string, unknown>): void {
  for (const [name, value] of values) Object.defineProperty(scope, name, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * `.reload`: imports src/models again as fresh modules (`?tina4-reload=N`, which the loader
 * passes on to every app file they import) and rebinds the classes; a model whose file is
 * gone is unbound. Route files and src/app.ts are not run again (their routes and global
 * middleware would be registered twice): restart the console for those.
 */
export function modelReloader(root: string, scope: object, bound: Map<string, typeof Model>, load: (root: string, query: string) => Promise<{ classes: Map<string, typeof Model> }>): () => Promise<string[]> {
  let generation = 0;
  let current = new Map(bound);
  return async () => {
    generation += 1;
    const { classes } = await load(root, `?tina4-reload=${generation}`);
    for (const name of current.keys()) if (!classes.has(name)) Reflect.deleteProperty(scope, name);
    const fresh = new Map([...classes].filter(([name]) => free(name, scope, current)));
    bind(scope, fresh);
    current = fresh;
    return [...fresh.keys()];
  };
}
