import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { App, Handler, Method, RouteMeta } from "../app.js";
import type { Middleware } from "../middleware/types.js";
import { RouterError, RouterErrorCode } from "./errors.js";
import { fileSegmentToPattern } from "./pattern.js";
import { webSocketFileRoute } from "../realtime/file-route.js";
import { log } from "../log.js";
import { distance } from "../config/settings.js";

/** `ws.ts` is a WebSocket route (runtime/realtime/file-route.ts). */
const METHOD_FILES = new Set(["get", "post", "put", "patch", "delete", "any", "ws"]);
const SOURCE_FILE = /\.(?:ts|tsx|mts|js|mjs)$/;

export interface RouteFile {
  /** Path relative to the app root, with forward slashes (`src/routes/api/hello/get.ts`). */
  source: string;
  absolute: string;
  /** Set for `<method>.ts` files: the HTTP method (or "WS" for `ws.ts`) and the URL pattern of the folder. */
  method?: Method | "WS";
  pattern?: string;
}

/**
 * Lists route files in a stable order (parents before children, alphabetical). An app's
 * `src/app.ts` (global `use(...)`, shared setup) comes first when it exists.
 */
export function discoverRouteFiles(root: string, routesDir = join(root, "src", "routes")): RouteFile[] {
  const out: RouteFile[] = [];
  for (const name of ["app.ts", "app.js"]) {
    const entry = join(root, "src", name);
    if (existsSync(entry)) {
      out.push({ source: `src/${name}`, absolute: entry });
      break;
    }
  }
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      // Hidden entries are never routes. Editors keep swap and lock files there, and Emacs's
      // lock (`.#get.ts`, a symlink to nowhere) would make stat() and the build fail.
      if (name.startsWith(".")) continue;
      const absolute = join(dir, name);
      if (statSync(absolute).isDirectory()) {
        if (name !== "node_modules") walk(absolute);
        continue;
      }
      if (!SOURCE_FILE.test(name) || name.endsWith(".d.ts") || /\.(test|spec)\.[cm]?[jt]sx?$/.test(name)) continue;
      const source = relative(root, absolute).split(sep).join("/");
      const stem = name.replace(SOURCE_FILE, "");
      if (METHOD_FILES.has(stem)) {
        const folders = relative(routesDir, dir).split(sep).filter(Boolean);
        const pattern = "/" + folders.map(fileSegmentToPattern).join("/");
        out.push({ source, absolute, method: (stem === "delete" ? "DELETE" : stem.toUpperCase()) as Method | "WS", pattern });
      } else {
        out.push({ source, absolute });
      }
    }
  };
  walk(routesDir);
  return out;
}

/** Names other frameworks give route files (Next.js `route.ts` / `GET`, `index.ts` pages). */
const ROUTE_LOOKALIKES = new Set(["index", "route", "handler"]);

/**
 * A file that looks meant as a file route but is not one (`GET.ts`, or `index.ts` with a
 * default handler): it is imported as a programmatic file and serves nothing, so the user
 * would only see a 404. Says what to rename it to.
 */
function misnamedRouteFile(file: RouteFile, mod: RouteModule): string | null {
  const name = file.source.slice(file.source.lastIndexOf("/") + 1);
  const stem = name.replace(SOURCE_FILE, "");
  if (METHOD_FILES.has(stem.toLowerCase())) {
    return `${file.source} is not a route file: method files are lower-case, rename it to ${stem.toLowerCase()}${name.slice(stem.length)}`;
  }
  if (ROUTE_LOOKALIKES.has(stem) && typeof mod.default === "function" && file.source.startsWith("src/routes/")) {
    return `${file.source} exports a default handler but serves nothing: only get.ts, post.ts, put.ts, patch.ts, delete.ts and any.ts are file routes (rename it, e.g. to get${name.slice(stem.length)})`;
  }
  return null;
}

/** The named exports a method file may have (besides `default`). */
const ROUTE_EXPORTS = ["middleware", "meta", "schema", "secured", "csrf"];

/**
 * Exports one letter or two away from a route export (`secure`, `middlewares`, `Schema`): tina4
 * ignores them, and `export const secure = true` would leave a route open that its author
 * meant to secure. Other names (a page size constant, a helper) are the file's own business.
 */
function misspelledExports(file: RouteFile, mod: object): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(mod)) {
    if (name === "default" || ROUTE_EXPORTS.includes(name)) continue;
    const near = ROUTE_EXPORTS.find((known) => distance(name.toLowerCase(), known) <= (name.length >= 6 ? 2 : 1));
    if (near) warnings.push(`${file.source} exports "${name}", which tina4 ignores: did you mean "${near}"?`);
  }
  return warnings;
}

interface RouteModule {
  default?: unknown;
  middleware?: unknown;
  meta?: unknown;
  schema?: unknown;
  secured?: unknown;
  csrf?: unknown;
}

/**
 * Imports every route file into `app`: `<method>.ts` files register their default export
 * under the folder's path (with their `middleware`, `meta`, `schema`, `secured` and `csrf` exports); other
 * files run and may register routes themselves.
 * `importer` lets callers supply their own import (the dev loader, a bundle's table).
 */
export async function loadRouteFiles(
  app: App,
  files: RouteFile[],
  importer: (file: RouteFile) => Promise<unknown> = (file) => import(pathToFileURL(file.absolute).href),
): Promise<void> {
  for (const file of files) {
    app.currentSource = file.source;
    let mod: RouteModule;
    try {
      mod = (await importer(file)) as RouteModule;
    } catch (error) {
      throw new RouterError(RouterErrorCode.FILE, `Could not load ${file.source}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    } finally {
      app.currentSource = "programmatic";
    }
    if (!file.method || !file.pattern) {
      const hint = misnamedRouteFile(file, mod);
      if (hint) log.warn(hint);
      continue;
    }
    if (file.method === "WS") {
      const { handlers, options } = webSocketFileRoute(mod as Record<string, unknown>, file.source);
      app.currentSource = file.source;
      try {
        app.websocket(file.pattern, handlers, options);
      } catch (error) {
        throw new RouterError(RouterErrorCode.FILE, `${file.source}: ${(error as Error).message}`, { cause: error });
      } finally {
        app.currentSource = "programmatic";
      }
      continue;
    }
    if (typeof mod.default !== "function") {
      throw new RouterError(RouterErrorCode.FILE, `${file.source} must export a default handler function`);
    }
    for (const warning of misspelledExports(file, mod)) log.warn(warning);
    if (mod.middleware !== undefined && !Array.isArray(mod.middleware)) {
      throw new RouterError(RouterErrorCode.FILE, `${file.source}: "middleware" export must be an array`);
    }
    try {
      app.route(file.method, file.pattern, mod.default as Handler, (mod.middleware as Middleware[] | undefined) ?? [], {
        source: file.source,
        meta: mod.meta as RouteMeta | undefined,
        schema: mod.schema,
        secured: mod.secured,
        csrf: mod.csrf,
      });
    } catch (error) {
      throw new RouterError(RouterErrorCode.FILE, `${file.source}: ${(error as Error).message}`, { cause: error });
    }
  }
}
