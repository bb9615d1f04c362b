import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";

/** What a batch of file changes asks for, from most to least disruptive. */
export interface ChangeSet {
  /** App code or env changed: load a fresh worker. */
  code: string[];
  /** `.env*` changed: re-read env files before the reload. */
  env: boolean;
  /** Stylesheets under public/: swapped in the browser without a reload. */
  css: string[];
  /** Other public/ files: the browser reloads. */
  assets: string[];
  /** Twig templates (src/templates/): workers recompile them on next use; the browser reloads. */
  templates: string[];
  /** migrations/*.sql files written (added or edited): the user runs `tina4 migrate`. */
  migrations: string[];
  /** migrations/*.sql files gone at the end of the batch (an editor's delete-and-rename save is an edit, not this). */
  migrationsRemoved: string[];
  /** The root `package.json` changed (`npm install <pkg>`): reload even if the bundle is the same, since packages stay external. */
  dependencies: boolean;
}

const WATCHED_DIRS = new Set(["src", "public", "migrations"]);
const ENV_FILE = /^\.env(\..+)?$/;
/** npm rewrites it last, after node_modules is in place, so its change means the new packages can load. */
const PACKAGE_FILE = "package.json";
/**
 * Files editors write next to the one being saved: vim's swap files and its `4913` write
 * test, backups (`name~`), Emacs lock files (`.#name`), `*.tmp`, JetBrains' safe-write copies.
 * They are not the app: they neither reload it nor show in the log.
 */
const EDITOR_TEMP = /^(?:4913|\.#.*|.*~|.*\.(?:swp|swx|swo|tmp)|.*___jb_(?:tmp|old)___)$/;

/** True for the paths dev mode watches: src/, public/, migrations/, root `.env*` files and the root package.json. */
export function isWatched(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === "") return true;
  const parts = rel.split(sep);
  if (EDITOR_TEMP.test(parts[parts.length - 1]!)) return false; // before .env*: vim's swap of .env is .env.swp
  if (parts.length === 1 && (ENV_FILE.test(parts[0]!) || parts[0] === PACKAGE_FILE)) return true;
  if (!WATCHED_DIRS.has(parts[0]!)) return false;
  return !parts.some((part) => part === "node_modules" || (part.startsWith(".") && part.length > 1));
}

/**
 * Watches the app with chokidar and reports settled batches: events are collected until the
 * tree has been quiet for `quietMs` (an editor's save is often truncate + write, or a temp
 * file + rename), then `onChange` gets one classified batch.
 */
export function watchProject(root: string, onChange: (changes: ChangeSet) => void, quietMs = 20): { ready: Promise<void>; close: () => Promise<void> } {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const changes: ChangeSet = { code: [], env: false, css: [], assets: [], templates: [], migrations: [], migrationsRemoved: [], dependencies: false };
    for (const rel of pending) {
      const top = rel.split("/")[0]!;
      if (ENV_FILE.test(rel)) {
        changes.env = true;
        changes.code.push(rel);
      } else if (rel === PACKAGE_FILE) {
        changes.dependencies = true;
        changes.code.push(rel);
      } else if (rel.startsWith("src/templates/") && !/\.[cm]?[jt]sx?$/.test(rel)) changes.templates.push(rel);
      else if (top === "src") changes.code.push(rel);
      else if (top === "migrations") {
        if (rel.endsWith(".sql")) (existsSync(join(root, rel)) ? changes.migrations : changes.migrationsRemoved).push(rel);
      }
      else if (rel.endsWith(".css")) changes.css.push("/" + rel.slice("public/".length));
      else changes.assets.push(rel);
    }
    pending.clear();
    onChange(changes);
  };
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    ignored: (path: string) => !isWatched(root, path),
  });
  watcher.on("all", (_event, path) => {
    pending.add(relative(root, path).split(sep).join("/"));
    clearTimeout(timer);
    timer = setTimeout(flush, quietMs);
  });
  watcher.on("error", () => undefined);
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
