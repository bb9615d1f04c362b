/**
 * The request line (SPEC §14): once each exchange is over, one record at info with
 * `reqId, method, route (the pattern), status, ms, ip`. Production writes it as JSON, dev
 * readable (pretty.ts). Neither passes through redaction: the JSON keys are fixed and hold no
 * secrets (the readable line adds the path as requested).
 */
import type { App } from "../app.js";
import type { SentResponse } from "../http/hooks.js";
import type { Request } from "../http/request.js";
import { logsAtInfo, onLoggerConfigured, requestLines } from "./logger.js";
import { encodeRequestLine } from "./request-line-bytes.js";
import { isSecretKey, REDACTED } from "./redact.js";
import { wallMillis } from "./wall-clock.js";
import { monotonicNow } from "../http/clock.js";

export interface RequestRecord {
  reqId: string;
  method: string;
  /** The matched route's pattern (`/items/{id}`); null when no route matched (static file, 404). */
  route: string | null;
  /** 0 when the answer was never completed (the client went away first, a stream was cut). */
  status: number;
  ms: number;
  ip: string;
  /** The path as requested: only in the readable format (a JSON line names the route, not user input). */
  path?: string;
}

const kStarted = Symbol("tina4.requestStarted");
type Timed = Request & { [kStarted]?: number };

/**
 * The path as typed, without control characters (a line stays one line), capped, and with the
 * values of secret-named query parameters (`?token=…`, `&password=…`) replaced.
 */
export function target(url: string): string {
  const query = url.indexOf("?");
  const shown = query === -1 ? url : url.slice(0, query + 1) + url.slice(query + 1).split("&").map(redactPair).join("&");
  // eslint-disable-next-line no-control-regex
  const clean = shown.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

function redactPair(pair: string): string {
  const eq = pair.indexOf("=");
  if (eq === -1) return pair;
  let key = pair.slice(0, eq);
  try {
    key = decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    // a malformed escape: judge the key as written
  }
  return isSecretKey(key) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
}

/** Starts a request's clock for an onResponse hook (onSent hooks are given `ms` by the app). */
export function markStart(req: Request): void {
  (req as Timed)[kStarted] = performance.now();
}

/** Milliseconds since markStart (0 for a request refused before routing). */
export function elapsedMs(req: Request): number {
  const started = (req as Timed)[kStarted];
  return started === undefined ? 0 : performance.now() - started;
}

/** The record of a finished exchange that took `ms`. */
export function requestRecord(req: Request, res: SentResponse, ms: number, withPath = false): RequestRecord {
  const raw = res.raw;
  const record: RequestRecord = {
    reqId: req.requestId,
    method: req.method,
    route: req.route ?? null,
    status: raw.writableEnded ? raw.statusCode : 0,
    ms: Math.round(ms * 1000) / 1000,
    ip: req.ip,
  };
  if (withPath) record.path = target(req.url);
  return record;
}

export interface RequestLogOptions {
  /** Requests that get no line (dev: the live-reload stream). */
  skip?: (req: Request) => boolean;
}

/**
 * The JSON request line exactly as pino writes `requestRecord()` through the request-line
 * logger (`{"level":30,"time":…,"pid":…,` then the record's keys in order), built directly: the
 * keys and their types are fixed, so pino's generic walk over the object is not needed, and the
 * parts that repeat are formatted once (the head per millisecond, each route and address).
 * `time` is `Date.now()` as of `endedAt`, the `performance.now()` reading the exchange ended at.
 */
export function jsonLine(req: Request, res: SentResponse, ms: number, endedAt = monotonicNow()): string {
  const raw = res.raw;
  const route = req.route;
  const now = wallMillis(endedAt);
  if (now !== headTime) {
    headTime = now;
    head = `{"level":30,"time":${now},"pid":${process.pid},"reqId":`;
  }
  const id = req.requestId;
  return `${head}${PLAIN.test(id) ? `"${id}"` : JSON.stringify(id)},"method":${quoted(req.method)},"route":${route === null ? "null" : quoted(route)},"status":${raw.writableEnded ? raw.statusCode : 0},"ms":${msText(ms)},"ip":${quoted(req.ip)}}\n`;
}

let headTime = 0;
let head = "";
/** Needs no escaping in a JSON string (request ids: tina4's own, or a client's matching the same set). */
const PLAIN = /^[\w.:/{}-]*$/;
/** Methods, route patterns and client addresses as JSON strings; a few hundred distinct ones at most are kept. */
const quotedCache = new Map<string, string>();

function quoted(text: string): string {
  let out = quotedCache.get(text);
  if (out === undefined) {
    out = JSON.stringify(text);
    if (quotedCache.size < 512) quotedCache.set(text, out);
  }
  return out;
}

/**
 * `Math.round(ms * 1000) / 1000` as JavaScript prints it (`0.41`, `2`, `12.005`), from integer
 * arithmetic: printing the fraction of a double is the slowest part of the line otherwise.
 */
export function msText(ms: number): string {
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const frac = micros - whole * 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? "0" : ""}${frac / 10}`;
  return `${whole}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}`;
}

/**
 * Adds the request line to `app` through an onSent hook — only once the level
 * logs info: above it (TINA4_LOG_LEVEL=warn) the hooks are not there to cost anything. The
 * level changes only through configureLogger(), which installs them when it turns info on.
 */
export function installRequestLog(app: App, options: RequestLogOptions = {}): void {
  const skip = options.skip;
  const install = (): void => {
    app.addHook("onSent", (req, res, ms, endedAt) => {
      const lines = requestLines();
      if (!lines.enabled || skip?.(req)) return;
      if (lines.pretty) return void lines.logger.info(requestRecord(req, res, ms, true));
      const batched = lines.batched;
      if (batched === null || !encodeRequestLine(batched, req, res.raw.writableEnded ? res.raw.statusCode : 0, ms, endedAt)) lines.destination.write(jsonLine(req, res, ms, endedAt));
    });
  };
  if (logsAtInfo()) return install();
  const stop = onLoggerConfigured(() => {
    if (!logsAtInfo()) return;
    stop();
    install();
  });
}
