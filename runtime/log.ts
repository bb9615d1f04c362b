/**
 * Minimal leveled logger writing one line per event to stderr (JSON records on the app logger
 * in the json format). The app logger's level filters (`TINA4_LOG_LEVEL` or configureLogger():
 * trace|debug|info|warn|error|fatal|silent, default info). `warnOnce`/`warnEvery`
 * keep repeated degradations (a lost cache server, say) from flooding the log.
 */
import { logFormat, logLevel, rootLogger } from "./ops/logger.js";
import { redactText } from "./ops/redact.js";

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;
/** Every level TINA4_LOG_LEVEL / configureLogger() may name (pino's), on the same scale. */
const thresholds: Record<string, number> = { trace: 0, ...levels, fatal: 50, silent: 100 };

function threshold(): number {
  return thresholds[logLevel()] ?? levels.info;
}

/** Keys a JSON record gets besides its message (the readable line shows the message only). */
export type LogFields = Record<string, string | number | boolean | null>;

function write(level: LogLevel, message: string, fields?: LogFields): void {
  if (levels[level] < threshold()) return;
  // Production (TINA4_LOG_FORMAT=json): tina4's own messages are JSON records too, redacted.
  if (logFormat() === "json") return void (fields ? rootLogger()[level](fields, message) : rootLogger()[level](message));
  process.stderr.write(`[tina4] ${level.toUpperCase()} ${redactText(message)}\n`);
}

export const log = {
  debug: (message: string, fields?: LogFields) => write("debug", message, fields),
  info: (message: string, fields?: LogFields) => write("info", message, fields),
  warn: (message: string, fields?: LogFields) => write("warn", message, fields),
  error: (message: string, fields?: LogFields) => write("error", message, fields),
};

const lastWarned = new Map<string, number>();

/** Logs `message` under `key` at most once every `intervalMs` (default 30 s). */
export function warnEvery(key: string, message: string, intervalMs = 30_000): void {
  const now = Date.now();
  const last = lastWarned.get(key);
  if (last !== undefined && now - last < intervalMs) return;
  lastWarned.set(key, now);
  log.warn(message);
}

/** Logs `message` under `key` once per process. */
export function warnOnce(key: string, message: string): void {
  warnEvery(key, message, Number.POSITIVE_INFINITY);
}
