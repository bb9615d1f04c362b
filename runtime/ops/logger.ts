/**
 * Structured logging on pino (docs/operations.md). One root logger per process, made on first
 * use from TINA4_LOG_LEVEL (trace|debug|info|warn|error|fatal|silent, default info) and
 * TINA4_LOG_FORMAT (json|pretty; default json in production, pretty otherwise). Every record
 * passes through the redaction in redact.ts. pino is loaded only when something logs.
 */
import type { DestinationStream, Logger as PinoLogger, LoggerOptions } from "pino";
import { redactText, redactValue } from "./redact.js";
import { prettyStream } from "./pretty.js";
import { batchedDestination, isBatchedDestination, type BatchedDestination } from "./log-destination.js";
import { packageRequire } from "../package-require.js";
import { setting } from "../config/settings.js";

export type Logger = PinoLogger;
export type LogFormat = "json" | "pretty";

export interface LoggerSettings {
  level?: string;
  format?: LogFormat;
  /** The format when neither `format` nor TINA4_LOG_FORMAT says (production serve: json). */
  defaultFormat?: LogFormat;
  /** Where lines go (default stdout); anything with `write(line)`. */
  destination?: DestinationStream;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

let root: Logger | null = null;
let settings: LoggerSettings = {};

export function logFormat(): LogFormat {
  const wanted = (settings.format ?? setting("TINA4_LOG_FORMAT") ?? "").toLowerCase();
  if (wanted === "json" || wanted === "pretty") return wanted;
  if (settings.defaultFormat) return settings.defaultFormat;
  return process.env.NODE_ENV === "production" ? "json" : "pretty";
}

export function logLevel(): string {
  const wanted = (settings.level ?? setting("TINA4_LOG_LEVEL")).toLowerCase();
  return LEVELS.has(wanted) ? wanted : "info";
}

function create(): Logger {
  const pino = packageRequire()("pino") as typeof import("pino");
  const options: LoggerOptions = {
    level: logLevel(),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.epochTime,
    formatters: { log: (record) => redactValue(record) as Record<string, unknown> },
    serializers: {
      err: (error: Error) => {
        const out = pino.stdSerializers.err(error);
        out.message = redactText(out.message);
        if (out.stack) out.stack = redactText(out.stack);
        return out;
      },
    },
    hooks: {
      // messages are free text: connection URLs and the secret are cut out of them too
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === "string") args[i] = redactText(args[i] as string);
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  destination = settings.destination ?? (logFormat() === "pretty" ? prettyStream() : (stdout ??= batchedDestination(1)));
  return pino.default(options, destination);
}

/**
 * stdout for JSON lines, written in batches (log-destination.ts): one write(2) per request cost
 * more than the line itself. One per process, whatever configureLogger() does later.
 */
let stdout: BatchedDestination | null = null;

let destination: DestinationStream | null = null;

/** Where request lines go, as the current settings say (request-log.ts writes them). */
export interface RequestLines {
  /** False when the level is above info: no request line. */
  readonly enabled: boolean;
  /** The readable format: records go through `logger` to the pretty printer. */
  readonly pretty: boolean;
  /**
   * Same level and destination as the root logger, without the redaction formatter and hooks:
   * the line has fixed keys holding no secrets (route pattern, status, timing, id, address).
   */
  readonly logger: Logger;
  /** The root logger's destination: a JSON line is written to it directly, in pino's format. */
  readonly destination: DestinationStream;
  /** The same destination when it is tina4's batched writer: the line is encoded straight into its buffer. */
  readonly batched: BatchedDestination | null;
}

let lines: RequestLines | null = null;

/** The request line's settings, made on first use after each configureLogger(). */
export function requestLines(): RequestLines {
  if (lines) return lines;
  const root = rootLogger();
  const pino = packageRequire()("pino") as typeof import("pino");
  const logger = pino.default({ level: root.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime }, destination!);
  return (lines = {
    enabled: logger.isLevelEnabled("info"),
    pretty: logFormat() === "pretty",
    logger,
    destination: destination!,
    batched: isBatchedDestination(destination!) ? destination : null,
  });
}

/** Whether the settings log at info (the request line), decided without loading pino. */
export function logsAtInfo(): boolean {
  const level = logLevel();
  return level === "info" || level === "debug" || level === "trace";
}

const reconfigured = new Set<() => void>();

/** Calls `listener` after each configureLogger(); the returned function stops that. */
export function onLoggerConfigured(listener: () => void): () => void {
  reconfigured.add(listener);
  return () => void reconfigured.delete(listener);
}

/** The process's logger (what `import { logger } from "tina4"` gives app code). */
export function rootLogger(): Logger {
  return (root ??= create());
}

/**
 * Replaces the logger's settings (the CLI and tests call this before serving); the next log
 * call builds a new logger. Without arguments the environment decides again.
 */
export function configureLogger(next: LoggerSettings = {}): void {
  settings = next;
  root = null;
  lines = null;
  children = new WeakMap();
  for (const listener of [...reconfigured]) listener();
}

let children = new WeakMap<object, Logger>();

/** A logger with the request id bound (`req.log`), made once per request and only when asked for. */
export function loggerFor(owner: object, reqId: string): Logger {
  let child = children.get(owner);
  if (!child) {
    child = rootLogger().child({ reqId });
    children.set(owner, child);
  }
  return child;
}

/**
 * `log` for app code: pino's methods on the current root logger, so a later
 * configureLogger() (or TINA4_LOG_* read at first use) applies to code that imported it early.
 */
export const logger = {
  trace: (...args: Parameters<Logger["trace"]>) => rootLogger().trace(...args),
  debug: (...args: Parameters<Logger["debug"]>) => rootLogger().debug(...args),
  info: (...args: Parameters<Logger["info"]>) => rootLogger().info(...args),
  warn: (...args: Parameters<Logger["warn"]>) => rootLogger().warn(...args),
  error: (...args: Parameters<Logger["error"]>) => rootLogger().error(...args),
  fatal: (...args: Parameters<Logger["fatal"]>) => rootLogger().fatal(...args),
  child: (bindings: Record<string, unknown>) => rootLogger().child(bindings),
};
export type AppLogger = typeof logger;
