/** The lines `tina4 console` prints before its first prompt: what is bound, and which environment and database. */
import kleur from "kleur";
import { readCacheConfig } from "../../runtime/cache/config.js";
import { redact } from "../../runtime/db/errors.js";
import { describeSource, type Setting } from "../settings.js";
import { ui } from "../ui.js";
import { missingSqliteFile } from "./database.js";
import type { ParsedDatabaseUrl } from "../../runtime/db/url.js";

export interface BannerFacts {
  name: string;
  environment: string;
  database: Setting;
  url: ParsedDatabaseUrl;
  /** Model class names, in the order bound. */
  models: string[];
  history: string | null;
}

export function banner(facts: BannerFacts): string {
  const cache = readCacheConfig();
  const missing = missingSqliteFile(facts.url) ? ui.dim(" · no file yet: tina4 migrate creates it") : "";
  const label = (text: string) => ui.dim(text.padEnd(9));
  const models = facts.models.length > 0 ? facts.models.map(ui.green).join(", ") : ui.dim("(none in src/models)");
  return [
    `${ui.bold("tina4 console")} ${ui.cyan(facts.name)} ${facts.environment === "production" ? kleur.red("(production)") : ui.dim(`(${facts.environment})`)}`,
    `  ${label("database")}${facts.database.shown} ${ui.dim(`(${describeSource(facts.database)})`)}${missing}`,
    `  ${label("cache")}${cache.backend}${cache.url ? ` ${redact(cache.url)}` : ""}`,
    `  ${label("models")}${models}`,
    `  ${label("bound")}db, cache, app, tina4 ${ui.dim("(await db.fetch(...), await cache.get(...), tina4.Database, ...)")}`,
    ui.dim(`  top-level await works · .reload re-imports src/models · .exit or Ctrl-D quits${facts.history ? "" : " · no history (no writable place)"}`),
    "",
  ].join("\n");
}
