import { ConfigError, ConfigErrorCode } from "./errors.js";

/**
 * Every TINA4_* environment variable, declared once: its type, default, section and one line
 * of documentation. Readers call `setting(name)` (typed by this table), the CLI calls
 * `validateSettings()` at startup, and docs/configuration.md is generated from it
 * (scripts/gen-config-doc.mjs). Values are read from process.env at call time: tests and the
 * dev supervisor change it at run time, and .env files are loaded before the first read.
 */

type Mode<T> = T | { readonly dev: T; readonly production: T };
type Common = { readonly doc: string; readonly section: Section; /** doc text when the default is computed elsewhere */ readonly defaultDoc?: string };
type IntSpec = Common & { readonly type: "int"; readonly default?: Mode<number>; readonly min?: number; readonly max?: number };
type FloatSpec = Common & { readonly type: "float"; readonly default?: Mode<number> };
type DurationSpec = Common & { readonly type: "duration"; readonly unit: "s" | "ms"; readonly default?: Mode<number>; readonly min?: number; readonly max?: number };
type BoolSpec = Common & { readonly type: "bool"; readonly default?: Mode<boolean> };
type StringSpec = Common & { readonly type: "string" | "url"; readonly default?: Mode<string> };
type ListSpec = Common & { readonly type: "list" };
type EnumSpec = Common & { readonly type: "enum"; readonly values: readonly string[]; readonly default?: Mode<string> };
export type SettingSpec = IntSpec | FloatSpec | DurationSpec | BoolSpec | StringSpec | ListSpec | EnumSpec;

export const SECTIONS = ["Server", "Database", "Cache", "Auth and sessions", "OpenAPI", "Jobs and locks", "Realtime", "Logs and metrics", "Cluster and dev"] as const;
export type Section = (typeof SECTIONS)[number];

const BACKENDS = ["memory", "file", "redis", "valkey", "memcached", "mongodb", "database"] as const;
/** Longest delay node's timers take (2³¹−1 ms, ≈ 24.8 days); a longer one fires after 1 ms. */
const TIMER_MAX_MS = 2_147_483_647;
const TIMER_MAX_S = Math.floor(TIMER_MAX_MS / 1000);

export const SETTINGS = {
  // Server
  TINA4_PORT: { type: "int", min: 0, max: 65535, default: 7148, section: "Server", doc: "port `tina4 serve` listens on (`--port` wins)" },
  TINA4_HOST: { type: "string", default: { dev: "127.0.0.1", production: "0.0.0.0" }, section: "Server", doc: "interface to bind (`--host` wins)" },
  TINA4_MAX_BODY: { type: "int", default: 10 * 1024 * 1024, section: "Server", doc: "request body limit in bytes (413 beyond)" },
  TINA4_MAX_HEADER_SIZE: { type: "int", default: 16 * 1024, section: "Server", doc: "request header limit in bytes" },
  TINA4_REQUEST_TIMEOUT: { type: "duration", unit: "s", default: 30, section: "Server", doc: "seconds to receive a whole request" },
  TINA4_HEADERS_TIMEOUT: { type: "duration", unit: "s", default: 10, section: "Server", doc: "seconds to receive the request headers" },
  TINA4_SHUTDOWN_TIMEOUT: { type: "duration", unit: "s", default: 30, section: "Server", doc: "seconds in-flight requests and running jobs get to finish on shutdown" },
  TINA4_DRAIN_DELAY: { type: "duration", unit: "s", default: { dev: 0, production: 2 }, section: "Server", doc: "seconds a stopping production worker keeps serving (fails /__ready) so load balancers move away" },
  TINA4_TRUSTED_PROXIES: { type: "list", section: "Server", doc: "proxies whose X-Forwarded-For is believed: IPs, CIDR ranges or `loopback` (docs/http.md)" },
  TINA4_CORS_ORIGINS: { type: "list", section: "Server", doc: "origins allowed by cors() and WebSocket upgrades; `*` allows any; unset: none" },
  TINA4_RATE_LIMIT: { type: "int", default: 100, section: "Server", doc: "rateLimit(): requests per window per client" },
  TINA4_RATE_WINDOW: { type: "duration", unit: "s", default: 60, section: "Server", doc: "rateLimit(): window in seconds" },
  TINA4_SECURE_WRITES: { type: "bool", default: true, section: "Server", doc: "POST/PUT/PATCH/DELETE routes need a signed-in user unless marked public" },
  // Database
  TINA4_DATABASE_URL: { type: "url", default: "sqlite:data/app.db", section: "Database", doc: "the app's database (sqlite:, postgres://, mysql://, firebird://, ...)" },
  TINA4_DB_POOL: { type: "int", default: 4, section: "Database", doc: "pooled connections per process (network engines)" },
  TINA4_DB_ACQUIRE_TIMEOUT: { type: "duration", unit: "ms", default: 10_000, section: "Database", doc: "ms to wait for a free pooled connection" },
  TINA4_DB_CONNECT_TIMEOUT: { type: "duration", unit: "ms", default: 5000, section: "Database", doc: "ms to connect (network engines; /__ready uses at most 1500)" },
  TINA4_DB_BUSY_TIMEOUT: { type: "duration", unit: "ms", default: 5000, section: "Database", doc: "SQLite: ms to wait for a lock held by another process" },
  TINA4_AUTOCOMMIT: { type: "bool", default: true, section: "Database", doc: "commit each write at once; false: writes open a transaction closed by commit()/rollback()" },
  TINA4_AUTO_CACHING: { type: "bool", default: false, section: "Database", doc: "request-scoped query cache (identical reads in one request run once); off by default: on Node 20 it turns on async hooks for the whole process (docs/decisions.md)" },
  TINA4_AUTO_CACHING_TTL: { type: "duration", unit: "s", default: 5, section: "Database", doc: "seconds a request-scoped entry lives" },
  TINA4_DB_CACHE: { type: "bool", default: false, section: "Database", doc: "persistent query cache through a cache backend" },
  TINA4_DB_CACHE_TTL: { type: "duration", unit: "s", default: 30, section: "Database", doc: "seconds a persistent query-cache entry lives" },
  TINA4_DB_CACHE_BACKEND: { type: "enum", values: BACKENDS, section: "Database", defaultDoc: "TINA4_CACHE_BACKEND", doc: "backend of the persistent query cache" },
  TINA4_DB_CACHE_URL: { type: "url", section: "Database", defaultDoc: "TINA4_CACHE_URL when the backend is the cache's", doc: "server URL of the query-cache backend" },
  TINA4_MIGRATE_LOCK_TIMEOUT: { type: "duration", unit: "s", default: 300, section: "Database", doc: "seconds `tina4 migrate` waits for another run to finish" },
  TINA4_MIGRATE_LOCK_TTL: { type: "duration", unit: "s", default: 60, section: "Database", doc: "seconds a migration lock outlives a killed process" },
  // Cache
  TINA4_CACHE_BACKEND: { type: "enum", values: BACKENDS, default: "memory", section: "Cache", doc: "cache backend (also rate limits, response cache and sessions by default)" },
  TINA4_CACHE_URL: { type: "url", section: "Cache", defaultDoc: "per backend", doc: "cache server URL, credentials included" },
  TINA4_CACHE_TTL: { type: "duration", unit: "s", default: 60, section: "Cache", doc: "default TTL in seconds (0 = no expiry)" },
  TINA4_CACHE_MAX_ENTRIES: { type: "int", default: 1000, section: "Cache", doc: "memory backend: LRU bound per namespace" },
  TINA4_CACHE_DIR: { type: "string", default: "data/cache", section: "Cache", doc: "file backend root (also the fallback's)" },
  TINA4_CACHE_TIMEOUT_MS: { type: "duration", unit: "ms", default: 250, section: "Cache", doc: "bound on each network cache call, ms" },
  TINA4_CACHE_CONNECT_TIMEOUT_MS: { type: "duration", unit: "ms", default: 1000, section: "Cache", doc: "bound on the first cache connection, ms" },
  // Auth and sessions
  TINA4_SECRET: { type: "string", section: "Auth and sessions", defaultDoc: "none (dev: generated per run)", doc: "signs session cookies and HS256 tokens; required in production, at least 32 characters" },
  TINA4_TOKEN_ALG: { type: "enum", values: ["HS256", "RS256", "ES256"], default: "HS256", section: "Auth and sessions", doc: "token algorithm (case-insensitive)" },
  TINA4_TOKEN_PRIVATE_KEY: { type: "string", section: "Auth and sessions", doc: "PEM private key that signs RS256/ES256 tokens" },
  TINA4_TOKEN_PUBLIC_KEY: { type: "string", section: "Auth and sessions", defaultDoc: "derived from the private key", doc: "PEM public key that verifies RS256/ES256 tokens" },
  TINA4_TOKEN_TTL: { type: "duration", unit: "s", default: 3600, section: "Auth and sessions", doc: "seconds a token is valid" },
  TINA4_PASSWORD_MEMORY: { type: "int", default: 19456, section: "Auth and sessions", doc: "argon2id memory in KiB" },
  TINA4_PASSWORD_TIME: { type: "int", default: 2, section: "Auth and sessions", doc: "argon2id passes" },
  TINA4_PASSWORD_PARALLELISM: { type: "int", default: 1, section: "Auth and sessions", doc: "argon2id lanes" },
  TINA4_AUTH_RATE_LIMIT: { type: "int", default: 10, section: "Auth and sessions", doc: "the generated register/logout routes' limit per minute per client IP (read by the generated code)" },
  TINA4_AUTH_MAX_ATTEMPTS: { type: "int", default: 5, section: "Auth and sessions", doc: "the generated login: failed attempts per email and client IP in a minute before 429; a success clears them (read by the generated code)" },
  TINA4_AUTH_IP_MAX_ATTEMPTS: { type: "int", default: 50, section: "Auth and sessions", doc: "the generated login: failed attempts per client IP over all emails in a minute before 429 (read by the generated code)" },
  TINA4_SESSION: { type: "bool", default: false, section: "Auth and sessions", doc: "sessions for every route, as if the app began with use(session())" },
  TINA4_SESSION_BACKEND: { type: "enum", values: BACKENDS, section: "Auth and sessions", defaultDoc: "TINA4_CACHE_BACKEND", doc: "session store backend" },
  TINA4_SESSION_URL: { type: "url", section: "Auth and sessions", defaultDoc: "TINA4_CACHE_URL when the backend is the cache's", doc: "session store server URL" },
  TINA4_SESSION_TTL: { type: "duration", unit: "s", default: 86_400, section: "Auth and sessions", doc: "seconds an idle session lives" },
  TINA4_SESSION_MAX_ENTRIES: { type: "int", default: 100_000, section: "Auth and sessions", doc: "memory session store: LRU bound" },
  TINA4_LOGIN_URL: { type: "string", section: "Auth and sessions", defaultDoc: "none (401 JSON)", doc: "where a browser opening a secured page without a user is sent (302 with ?next=<page>); API clients keep the 401" },
  TINA4_SESSION_SECURE: { type: "bool", default: { dev: false, production: true }, section: "Auth and sessions", doc: "Secure flag on the session cookie" },
  // OpenAPI
  TINA4_OPENAPI: { type: "bool", default: { dev: true, production: false }, section: "OpenAPI", doc: "serve the OpenAPI document and the docs page" },
  TINA4_OPENAPI_PATH: { type: "string", default: "/openapi.json", section: "OpenAPI", doc: "path of the OpenAPI document" },
  TINA4_DOCS_PATH: { type: "string", default: "/docs", section: "OpenAPI", doc: "path of the Swagger UI page" },
  // Jobs and locks
  TINA4_QUEUE_BACKEND: { type: "enum", values: ["database", "redis", "valkey"], default: "database", section: "Jobs and locks", doc: "where jobs live: the app's database, or BullMQ on Redis/Valkey" },
  TINA4_QUEUE_URL: { type: "url", section: "Jobs and locks", defaultDoc: "TINA4_DATABASE_URL / redis://127.0.0.1:6379", doc: "the queue's database or server" },
  TINA4_QUEUE_PREFIX: { type: "string", default: "tina4", section: "Jobs and locks", doc: "BullMQ key prefix (redis/valkey)" },
  TINA4_QUEUE_TABLE: { type: "string", default: "tina4_job", section: "Jobs and locks", doc: "the jobs table (database backend)" },
  TINA4_QUEUE_VISIBILITY_TIMEOUT: { type: "duration", unit: "s", min: 1, max: TIMER_MAX_S, default: 30, section: "Jobs and locks", doc: "seconds before a job held by a silent worker is retried (at least 1)" },
  TINA4_QUEUE_POLL_INTERVAL: { type: "duration", unit: "ms", min: 10, max: TIMER_MAX_MS, default: 500, section: "Jobs and locks", doc: "ms an idle database worker waits before looking again (at least 10)" },
  TINA4_QUEUE_TIMEOUT: { type: "duration", unit: "s", min: 0, max: TIMER_MAX_S, default: 0, section: "Jobs and locks", doc: "default processor timeout in seconds (0 = none; a job file's `timeout` wins)" },
  TINA4_QUEUE_KEEP_COMPLETED: { type: "duration", unit: "s", min: 0, default: 86_400, section: "Jobs and locks", doc: "seconds completed jobs are kept (0 = remove at once)" },
  TINA4_QUEUE_KEEP_FAILED: { type: "duration", unit: "s", min: 0, default: 0, section: "Jobs and locks", doc: "seconds failed jobs are kept (0 = until retried or cleared)" },
  TINA4_QUEUE_INLINE: { type: "bool", default: true, section: "Jobs and locks", doc: "dev serve runs the job processors in-process" },
  TINA4_LOCK_URL: { type: "url", section: "Jobs and locks", defaultDoc: "the queue's or cache's Redis, else TINA4_DATABASE_URL", doc: "where distributed locks live" },
  TINA4_LOCK_PREFIX: { type: "string", default: "tina4:lock:", section: "Jobs and locks", doc: "Redis key prefix of locks" },
  // Realtime
  TINA4_PUBSUB_URL: { type: "url", section: "Realtime", defaultDoc: "the queue's or cache's Redis/Valkey, else none: in-process (workers relayed by the primary)", doc: "Redis/Valkey server that carries pub/sub between instances" },
  TINA4_PUBSUB_PREFIX: { type: "string", default: "tina4", section: "Realtime", doc: "pub/sub channel prefix" },
  TINA4_PUBSUB_CONNECT_TIMEOUT: { type: "duration", unit: "ms", min: 1, max: TIMER_MAX_MS, default: 2000, section: "Realtime", doc: "ms to connect to the pub/sub server" },
  TINA4_WS_PING: { type: "duration", unit: "s", min: 0, max: TIMER_MAX_S, default: 30, section: "Realtime", doc: "seconds between WebSocket pings (0 = none)" },
  TINA4_WS_MAX_MESSAGE: { type: "int", min: 1, default: 1024 * 1024, section: "Realtime", doc: "largest WebSocket message in bytes" },
  TINA4_WS_MAX_BUFFERED: { type: "int", min: 1, default: 1024 * 1024, section: "Realtime", doc: "bytes buffered for a slow WebSocket client" },
  TINA4_WS_MAX_CONNECTIONS: { type: "int", min: 1, default: 10_000, section: "Realtime", doc: "WebSocket connections per worker (503 beyond)" },
  TINA4_WS_SLOW_CLIENT: { type: "enum", values: ["close", "drop"], default: "close", section: "Realtime", doc: "what happens to a client past TINA4_WS_MAX_BUFFERED" },
  TINA4_SSE_HEARTBEAT: { type: "duration", unit: "s", min: 0, max: TIMER_MAX_S, default: 15, section: "Realtime", doc: "seconds between server-sent-event heartbeats (0 = none)" },
  TINA4_SSE_MAX_BUFFERED: { type: "int", min: 1, default: 1024 * 1024, section: "Realtime", doc: "bytes buffered for a slow SSE client" },
  // Logs and metrics
  TINA4_LOG_LEVEL: { type: "enum", values: ["trace", "debug", "info", "warn", "error", "fatal", "silent"], default: "info", section: "Logs and metrics", doc: "least severe level logged (case-insensitive)" },
  TINA4_LOG_FORMAT: { type: "enum", values: ["json", "pretty"], defaultDoc: "`json` production, `pretty` dev", section: "Logs and metrics", doc: "one JSON object per line, or readable lines" },
  TINA4_METRICS: { type: "bool", default: false, section: "Logs and metrics", doc: "serve Prometheus metrics at /__metrics" },
  TINA4_METRICS_TOKEN: { type: "string", section: "Logs and metrics", defaultDoc: "none (open)", doc: "bearer token /__metrics requires" },
  TINA4_DEBUG: { type: "string", section: "Logs and metrics", doc: "any value: the CLI prints stack traces of errors" },
  // Cluster and dev
  TINA4_WORKERS: { type: "int", min: 1, max: 1024, section: "Cluster and dev", defaultDoc: "one per core", doc: "production workers (`--workers` wins)" },
  TINA4_SEMI_SPACE_MB: { type: "int", default: 32, min: 0, max: 1024, section: "Cluster and dev", doc: "production workers' V8 young-generation semi-space in MB (`--max-semi-space-size`; fewer scavenges under load). 0: Node's default (16). A `--max-semi-space-size` in NODE_OPTIONS wins" },
  TINA4_CRASH_LIMIT: { type: "int", default: 5, section: "Cluster and dev", doc: "worker crashes within a minute before the primary gives up" },
  TINA4_SOURCE_MAPS: { type: "string", section: "Cluster and dev", doc: "`1`: production imports the module build with source maps (stack traces name .ts lines)" },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
type Spec<N extends SettingName> = (typeof SETTINGS)[N];
type Base<S> = S extends { type: "int" | "float" | "duration" } ? number : S extends { type: "bool" } ? boolean : S extends { type: "list" } ? string[] : string;
/** The type `setting(name)` returns: no default means `undefined` when unset. */
export type SettingValue<N extends SettingName> = Spec<N> extends { type: "list" } ? string[] : Spec<N> extends { default: unknown } ? Base<Spec<N>> : Base<Spec<N>> | undefined;

/** Internal variables that are not settings (set by tina4 itself or by its test suite). */
const INTERNAL = /^TINA4_(WORKER|TEST_[A-Z0-9_]*)$/;

function isProduction(): boolean {
  return process.env.NODE_ENV === "production";
}

/** The expected form of a variable, as the error message and the doc say it. */
export function expectedForm(spec: SettingSpec): string {
  switch (spec.type) {
    case "int":
      return spec.min !== undefined || spec.max !== undefined ? `an integer${range(spec.min, spec.max)}` : "a number";
    case "float":
      return "a number";
    case "duration":
      return `a number of ${spec.unit === "s" ? "seconds" : "milliseconds"}${range(spec.min, spec.max)}`;
    case "bool":
      return "true or false (1/0, yes/no, on/off)";
    case "list":
      return "a comma-separated list";
    case "url":
      return "a URL";
    case "enum":
      return `one of ${spec.values.join(", ")}`;
    default:
      return "text";
  }
}

/** " from 1 to 5" / " of at least 1" / " of at most 5" / "" for a declared range. */
function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  return max !== undefined ? ` of at most ${max}` : "";
}

function bad(name: string, spec: SettingSpec, raw: string): ConfigError {
  return new ConfigError(ConfigErrorCode.BAD_VALUE, `${name} must be ${expectedForm(spec)}, got "${raw}"`);
}

/** Parses a set, non-empty value; throws ConfigError naming the variable and the expected form. */
function parse(name: string, spec: SettingSpec, raw: string, strict = false): number | boolean | string | string[] {
  switch (spec.type) {
    case "int":
    case "float":
    case "duration": {
      if (raw.trim() === "") return NaN; // callers treat blank as unset before this
      const parsed = Number(raw);
      if (!Number.isFinite(parsed)) throw bad(name, spec, raw);
      const value = spec.type === "float" ? parsed : Math.trunc(parsed);
      if (spec.type === "int" && ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max) || (spec.min !== undefined && value !== parsed))) throw bad(name, spec, raw);
      // a duration's fraction is dropped (0.5 s is 0 s): the bound applies to what the reader gets
      if (spec.type === "duration" && ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))) throw bad(name, spec, raw);
      return value;
    }
    case "bool": {
      const value = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(value)) return true;
      if (["0", "false", "no", "off"].includes(value)) return false;
      throw bad(name, spec, raw);
    }
    case "list":
      return raw.split(",").map((item) => item.trim()).filter(Boolean);
    case "enum": {
      // case-insensitive like the readers before the registry. At read time the domain parser
      // (parseBackendName, parseQueueBackend, ...) rejects a bad name with its own error code.
      if (strict && !spec.values.some((v) => v.toLowerCase() === raw.trim().toLowerCase())) throw bad(name, spec, raw);
      return raw;
    }
    default:
      return raw;
  }
}

function isBlank(spec: SettingSpec, raw: string | undefined): raw is undefined {
  if (raw === undefined || raw === "") return true;
  return (spec.type === "int" || spec.type === "float" || spec.type === "duration" || spec.type === "bool") && raw.trim() === "";
}

function defaultOf(spec: SettingSpec, production: boolean): unknown {
  if (spec.type === "list") return [];
  const value: unknown = "default" in spec ? spec.default : undefined;
  if (value !== null && typeof value === "object" && "dev" in value && "production" in value) return production ? value.production : value.dev;
  return value;
}

/**
 * The value of a TINA4_* variable now: parsed by its declared type, else its default (unset or
 * empty counts as unset). `production` picks a mode-dependent default (default: NODE_ENV).
 */
export function setting<N extends SettingName>(name: N, options: { production?: boolean } = {}): SettingValue<N> {
  const spec: SettingSpec = SETTINGS[name];
  const raw = process.env[name];
  const value = isBlank(spec, raw) ? defaultOf(spec, options.production ?? isProduction()) : parse(name, spec, raw);
  return value as SettingValue<N>;
}

/** True when the variable is set to a non-empty value (for defaults that depend on other settings). */
export function isSet(name: SettingName): boolean {
  return !isBlank(SETTINGS[name], process.env[name]);
}

/**
 * Checks every declared variable that is set. Throws one ConfigError (T4_ERR_CONFIG_BAD_VALUE)
 * listing each bad one with its expected form; returns warnings for unknown TINA4_* names.
 */
export function validateSettings(env: NodeJS.ProcessEnv = process.env): { warnings: string[] } {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
    const raw = env[name];
    if (isBlank(spec, raw)) continue;
    try {
      parse(name, spec, raw, true);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.BAD_VALUE, problems.length === 1 ? problems[0]! : `bad configuration:\n  ${problems.join("\n  ")}`);
  return { warnings: unknownSettings(env).map(({ name, suggestion }) => `${name} is not a tina4 setting${suggestion ? ` (did you mean ${suggestion}?)` : ""}: ignored`) };
}

/** TINA4_* names in the environment that the table does not declare, with the nearest declared name. */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env): { name: string; suggestion: string | null }[] {
  const known = Object.keys(SETTINGS);
  return Object.keys(env)
    .filter((name) => name.startsWith("TINA4_") && !(name in SETTINGS) && !INTERNAL.test(name))
    .map((name) => {
      let best: string | null = null;
      let bestDistance = Math.max(3, Math.floor(name.length / 4)) + 1;
      for (const candidate of known) {
        const d = distance(name, candidate);
        if (d < bestDistance) [best, bestDistance] = [candidate, d];
      }
      return { name, suggestion: best };
    });
}

/** Levenshtein distance, for the "did you mean" hints (settings here, route file exports). */
export function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
