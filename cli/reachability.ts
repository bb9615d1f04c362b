import { existsSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINES } from "../runtime/db/engines.js";
import { parseDatabaseUrl } from "../runtime/db/url.js";
import { readCacheConfig, defaultUrl } from "../runtime/cache/config.js";
import { DEFAULT_DATABASE_URL, describeSource, readSetting, type Setting } from "./settings.js";
import type { Project } from "./project.js";

const CACHE_PORTS: Record<string, number> = { "redis:": 6379, "rediss:": 6379, "memcached:": 11211, "mongodb:": 27017 };

/** Resolves with null when a TCP connection to host:port opens, else with the reason (ECONNREFUSED, timeout, ...). */
export function probe(host: string, port: number, timeoutMs = 1500): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.unref();
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once("connect", () => done(null));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

interface Target {
  what: string;
  setting: Setting;
  host: string;
  port: number;
  consequence: string;
}

/** The server a database URL setting dials; null for an embedded engine (SQLite) or a URL that does not parse. */
function databaseServer(what: string, setting: Setting, consequence: string): Target | null {
  let parsed;
  try {
    parsed = parseDatabaseUrl(setting.value);
  } catch {
    return null; // a bad URL is reported where it is used (first query, cache open), with the runtime's own message
  }
  if (ENGINES[parsed.engine].embedded) return null;
  return { what, setting, host: parsed.host, port: parsed.port, consequence };
}

function databaseTarget(project: Pick<Project, "envSources">): Target | null {
  const setting = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  return databaseServer("database", setting, "requests that use it fail until it is up");
}

function cacheTarget(project: Pick<Project, "envSources">): Target | null {
  let backend;
  try {
    backend = readCacheConfig().backend;
  } catch {
    return null; // serve refuses an unknown backend before this runs
  }
  if (backend === "database") return databaseCacheTarget(project);
  if (!["redis", "valkey", "memcached", "mongodb"].includes(backend)) return null;
  const setting = readSetting(project, "TINA4_CACHE_URL", defaultUrl(backend) ?? "");
  let url: URL;
  try {
    url = new URL(setting.value);
  } catch {
    return null;
  }
  const port = url.port ? Number(url.port) : CACHE_PORTS[url.protocol];
  if (!url.hostname || port === undefined) return null; // mongodb+srv and the like: nothing to dial directly
  return { what: `${backend} cache`, setting, host: url.hostname.replace(/^\[|\]$/g, ""), port, consequence: "the cache falls back to the file backend" };
}

/** A `database` cache at its own network URL (without one it is the app's database, checked already). */
function databaseCacheTarget(project: Pick<Project, "envSources">): Target | null {
  const setting = readSetting(project, "TINA4_CACHE_URL", "");
  const database = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  if (setting.value === "" || setting.value === database.value) return null;
  return databaseServer("database cache", setting, "the cache falls back to the file backend");
}

/**
 * One line per configured network database or cache server that does not accept a
 * connection, naming the URL (password masked) and where that URL came from.
 */
export async function unreachableServices(project: Pick<Project, "envSources">): Promise<string[]> {
  const targets = [databaseTarget(project), cacheTarget(project)].filter((t): t is Target => t !== null);
  const reasons = await Promise.all(targets.map((t) => probe(t.host, t.port)));
  return targets.flatMap((t, i) =>
    reasons[i] === null ? [] : [`The ${t.what} at ${t.setting.shown} (${describeSource(t.setting)}) cannot be reached: ${reasons[i]}; ${t.consequence}.`],
  );
}

const CACHE_DRIVERS: Record<string, string> = { redis: "redis", valkey: "redis", memcached: "memjs", mongodb: "mongodb" };

/** True when `node_modules/<name>` exists in `from` or a folder above it (Node's own lookup order). */
function packageInstalled(name: string, from: string): boolean {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * One line per driver package the configured database or cache needs that neither the app nor
 * tina4 has installed. Without it the server starts, /__ready stays 503 and every query fails,
 * so say it at start (an optional better-sqlite3 that could not build, `pg` missing from an image).
 * `searchFrom`: the folders Node would resolve the driver from (the app's, then the CLI's).
 */
export function missingDrivers(project: Pick<Project, "envSources" | "root">, searchFrom: string[] = [project.root, dirname(fileURLToPath(import.meta.url))]): string[] {
  const needs: Array<{ what: string; setting: Setting; driver: string; consequence: string }> = [];
  const database = readSetting(project, "TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  try {
    const engine = parseDatabaseUrl(database.value).engine;
    needs.push({ what: `${engine} database`, setting: database, driver: ENGINES[engine].driver, consequence: "requests that use it fail" });
  } catch {
    // a bad URL is reported by the first query, with the runtime's own message
  }
  let backend: string | undefined;
  try {
    backend = readCacheConfig().backend;
  } catch {
    backend = undefined; // serve refuses an unknown backend before this runs
  }
  const cacheDriver = backend ? CACHE_DRIVERS[backend] : undefined;
  if (backend && cacheDriver) {
    needs.push({ what: `${backend} cache`, setting: readSetting(project, "TINA4_CACHE_BACKEND", backend), driver: cacheDriver, consequence: "the cache falls back to the file backend" });
  }
  return needs
    .filter((need) => !searchFrom.some((dir) => packageInstalled(need.driver, dir)))
    .map((need) => `The ${need.what} (${describeSource(need.setting)}) needs the npm package ${need.driver}, which is not installed: run \`npm install ${need.driver}\`; ${need.consequence} until then.`);
}
