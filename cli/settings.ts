import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "../runtime/config/env.js";
import { redact } from "../runtime/db/errors.js";
import { findAppRoot, type Project } from "./project.js";

/** The runtime's database when TINA4_DATABASE_URL is unset. */
export const DEFAULT_DATABASE_URL = "sqlite:data/app.db";

/** Where a setting's value came from, for messages that must say which configuration was used. */
export type SettingSource = "environment" | ".env" | ".env.local" | "default";

export interface Setting {
  name: string;
  value: string;
  source: SettingSource;
  /** The value with any URL password replaced by `***`. */
  shown: string;
}

/** A setting as the app sees it after openProject() loaded its .env files. */
export function readSetting(project: Pick<Project, "envSources">, name: string, fallback: string): Setting {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : raw;
  const source: SettingSource = raw === undefined || raw === "" ? "default" : ((project.envSources.get(name) as SettingSource | undefined) ?? "environment");
  return { name, value, source, shown: redact(value) };
}

/** "TINA4_DATABASE_URL in .env", "TINA4_DATABASE_URL from the environment", "the default: TINA4_DATABASE_URL is not set". */
export function describeSource(setting: Setting): string {
  switch (setting.source) {
    case "default":
      return `the default: ${setting.name} is not set`;
    case "environment":
      return `${setting.name} from the environment`;
    default:
      return `${setting.name} in ${setting.source}`;
  }
}

/**
 * A setting as a command run from `start` would see it, read without loading anything into
 * the environment or changing folder (for --help). Null outside an app.
 */
export function peekSetting(name: string, fallback: string, start = process.cwd()): Setting | null {
  const root = findAppRoot(start);
  if (root === null) return null;
  const found = (value: string, source: SettingSource): Setting => ({ name, value, source, shown: redact(value) });
  const real = process.env[name];
  if (real !== undefined && real !== "") return found(real, "environment");
  for (const file of [".env.local", ".env"] as const) {
    const path = join(root, file);
    const value = existsSync(path) ? parseEnv(readFileSync(path, "utf8")).get(name) : undefined;
    if (value !== undefined && value !== "") return found(value, file);
  }
  return found(fallback, "default");
}

/** What migrate's --help says about the database it uses. */
export function databaseHelp(): string {
  const rule = `Database: TINA4_DATABASE_URL from the environment, else .env.local, else .env (default ${DEFAULT_DATABASE_URL}).`;
  const here = peekSetting("TINA4_DATABASE_URL", DEFAULT_DATABASE_URL);
  return here ? `${rule}
Here: ${here.shown} (${describeSource(here)}).` : rule;
}
