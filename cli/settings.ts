import { redact } from "../runtime/db/errors.js";
import type { Project } from "./project.js";

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
