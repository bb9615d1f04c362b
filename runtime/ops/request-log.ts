/**
 * The request line (SPEC §14): once each exchange is over, one record at info with
 * `reqId, method, route (the pattern), status, ms, ip`. Production writes it as JSON, dev
 * readable (pretty.ts); both go through the same logger and redaction.
 */
import type { App } from "../app.js";
import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { requestLineLogger, type Logger } from "./logger.js";

export interface RequestRecord {
  reqId: string;
  method: string;
  /** The matched route's pattern (`/items/{id}`); null when no route matched (static file, 404). */
  route: string | null;
  /** 0 when the client went away before the answer was sent. */
  status: number;
  ms: number;
  ip: string;
  /** The path as requested: only in the readable format (a JSON line names the route, not user input). */
  path?: string;
}

const kStarted = Symbol("tina4.requestStarted");
type Timed = Request & { [kStarted]?: number };

/** The path as typed, without control characters (a line stays one line), capped. */
function target(url: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = url.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

export function markStart(req: Request): void {
  (req as Timed)[kStarted] = performance.now();
}

/** Milliseconds since markStart (0 for a request refused before routing). */
export function elapsedMs(req: Request): number {
  const started = (req as Timed)[kStarted];
  return started === undefined ? 0 : performance.now() - started;
}

/** The record of a finished exchange (a request refused before routing never started the clock: ≈ 0 ms). */
export function requestRecord(req: Request, res: Response, withPath = false): RequestRecord {
  const raw = res.raw;
  const record: RequestRecord = {
    reqId: req.requestId,
    method: req.method,
    route: req.route ?? null,
    status: raw.writableFinished ? raw.statusCode : 0,
    ms: Math.round(elapsedMs(req) * 1000) / 1000,
    ip: req.ip,
  };
  if (withPath) record.path = target(req.url);
  return record;
}

export interface RequestLogOptions {
  /** Default: the process's request-line logger (logger.ts). */
  logger?: () => { logger: Logger; pretty: boolean };
  /** Requests that get no line (dev: the live-reload stream). */
  skip?: (req: Request) => boolean;
}

/** Adds the request line to `app` through its onRequest/onResponse hooks. */
export function installRequestLog(app: App, options: RequestLogOptions = {}): void {
  const logger = options.logger ?? requestLineLogger;
  const skip = options.skip;
  app.addHook("onRequest", markStart);
  app.addHook("onResponse", (req, res) => {
    if (skip?.(req)) return;
    const { logger: log, pretty } = logger();
    if (!log.isLevelEnabled("info")) return;
    log.info(requestRecord(req, res, pretty));
  });
}
