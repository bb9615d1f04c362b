import { SETTINGS, type SettingName, validateSettings } from "../runtime/config/settings.js";
import { ConfigError, ConfigErrorCode } from "../runtime/config/errors.js";
import { parseDatabaseUrl } from "../runtime/db/url.js";
import { normalizePubSubUrl } from "../runtime/realtime/bus/redis.js";
import { TrustedProxies } from "../runtime/http/client-ip.js";
import { readCacheConfig } from "../runtime/cache/config.js";
import { CliError, CliErrorCode } from "./errors.js";
import { ui } from "./ui.js";

/**
 * Startup check of serve, worker and migrate: a set TINA4_* variable of the wrong form stops the
 * command (ConfigError naming each one and the form it expects, exit 1); an unknown TINA4_* name
 * is a warning with the nearest known one. Call it after openProject() loaded the .env files.
 */
export function validateEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const problems = [...urlProblems(env), ...databaseUrlProblems(env), ...pubsubUrlProblems(env), ...trustedProxyProblems(env)];
  let warnings: string[] = [];
  try {
    warnings = validateSettings(env).warnings;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.unshift(...error.message.replace(/^bad configuration:\n/, "").split("\n").map((line) => line.trim()));
  }
  if (problems.length > 0) {
    throw new ConfigError(ConfigErrorCode.BAD_VALUE, problems.length === 1 ? problems[0]! : `bad configuration:\n  ${problems.join("\n  ")}`);
  }
  for (const warning of [...warnings, ...corsOriginWarnings(env)]) ui.warn(warning);
}

/**
 * What `serve` and `console` check before loading the app: the cache settings (SPEC §6: an
 * unknown backend is an error at startup, not at first use), then every TINA4_* variable.
 */
export function checkStartupSettings(): void {
  try {
    readCacheConfig();
  } catch (error) {
    throw new CliError((error as Error).message, (error as { code?: string }).code ?? CliErrorCode.CONFIG);
  }
  validateEnvironment();
}

/** `scheme:` then no whitespace: what every URL setting needs before its own reader looks closer. */
const URL_FORM = /^[a-z][a-z0-9+.-]*:\S+$/i;

/** `user:password@` → `user:***@`, for values that are not URLs enough for the usual masking. */
function maskCredentials(raw: string): string {
  return raw.replace(/:[^:@/\s]*@/g, ":***@");
}

function setValue(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name]?.trim();
  return raw ? raw : null;
}

/** URL settings that are not URLs at all: a cache or queue on such a URL never connects, quietly. */
function urlProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, { type: string }][]) {
    const raw = spec.type === "url" ? setValue(env, name) : null;
    if (raw !== null && !URL_FORM.test(raw)) problems.push(`${name} must be a URL (scheme://host…), got "${maskCredentials(raw)}"`);
  }
  return problems;
}

/** The pub/sub URL as the bus reads it: a wrong scheme would refuse every WebSocket upgrade later. */
function pubsubUrlProblems(env: NodeJS.ProcessEnv): string[] {
  const raw = setValue(env, "TINA4_PUBSUB_URL");
  if (raw === null || !URL_FORM.test(raw)) return []; // no URL at all is urlProblems' message
  try {
    normalizePubSubUrl(raw);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** The database URL as the runtime reads it (its engine, host, file), instead of at the first query. */
function databaseUrlProblems(env: NodeJS.ProcessEnv): string[] {
  const raw = setValue(env, "TINA4_DATABASE_URL");
  if (raw === null || !URL_FORM.test(raw)) return []; // no URL at all is urlProblems' message
  try {
    parseDatabaseUrl(raw);
    return [];
  } catch (error) {
    return [`TINA4_DATABASE_URL: ${(error as Error).message}`];
  }
}

/** Read by every worker as it starts: a bad entry there is a crash with a stack trace. */
function trustedProxyProblems(env: NodeJS.ProcessEnv): string[] {
  const raw = setValue(env, "TINA4_TRUSTED_PROXIES");
  if (raw === null) return [];
  const problems: string[] = [];
  for (const entry of raw.split(",")) {
    try {
      new TrustedProxies([entry]);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}

/**
 * Entries cors() compares with the browser's `Origin` header as they are: one with a path, a
 * trailing slash or no scheme never matches. A warning, as an unused entry refuses nothing.
 */
function corsOriginWarnings(env: NodeJS.ProcessEnv): string[] {
  const raw = setValue(env, "TINA4_CORS_ORIGINS");
  if (raw === null) return [];
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "" && entry !== "*" && !isOrigin(entry))
    .map((entry) => `TINA4_CORS_ORIGINS: "${entry}" is not an origin (scheme://host[:port], as browsers send it): it matches no request`);
}

function isOrigin(entry: string): boolean {
  try {
    return new URL(entry).origin === entry;
  } catch {
    return false;
  }
}
