import { STATUS_CODES } from "node:http";
import { HttpError } from "./errors.js";
import type { Request } from "./request.js";
import { HTML_TYPE, JSON_TYPE, viewsOf, type Response } from "./response.js";
import { Tina4Error } from "../errors.js";
import { log } from "../log.js";
import { redactText } from "../ops/redact.js";
import { errorKind, shouldLogError } from "./repeated-errors.js";
import { prefersHtml } from "./accepts.js";
import { devErrorPage, htmlErrorPage, type ErrorTemplates } from "./error-page.js";

/**
 * Maps an error to a status: a tina4 error's own `status` (HttpError's, 503 for a database
 * that is unreachable, ...), anything else 500. Errors from other libraries are never trusted
 * with a status: their `status` may mean anything.
 */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof Tina4Error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599) return status;
  }
  return 500;
}

const bodyHeaders = ["content-type", "content-length", "content-encoding", "content-disposition", "etag", "last-modified", "location"];

const reasons: Record<number, string> = {
  409: "Conflict",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The generic text of a status whose own message is not shown: its reason phrase for a client error, never the message. */
function reasonFor(status: number): string {
  return reasons[status] ?? (status < 500 ? STATUS_CODES[status] : undefined) ?? "Internal Server Error";
}

/**
 * Replaces the pending response with an error response. Client errors show their message;
 * server errors show a generic message plus the request id, and in dev the message and
 * stack too. API clients get JSON; a browser page load (accepts.ts) gets the same status and
 * headers with an HTML page (error-page.ts: the app's `errors/<status>.twig` when it has one;
 * in dev a server error shows its details instead). Server errors are logged.
 */
export function renderError(req: Request, res: Response, error: unknown, dev: boolean): void {
  const status = statusOf(error);
  const exposed = error instanceof HttpError && error.expose;
  const body: Record<string, unknown> = {
    error: exposed ? (error as HttpError).message : reasonFor(status),
    requestId: req.requestId,
  };
  if (error instanceof HttpError) {
    body.code = error.code;
    if (error.details) Object.assign(body, error.details);
  } else if (error instanceof Tina4Error && status < 500) {
    // a client error from another layer (a database constraint → 409): its stable code, and in dev
    // its message (it may quote data or schema, so never in production)
    body.code = error.code;
    if (dev) body.message = error.message;
  }
  if (status >= 500) {
    logServerError(req, error, status);
    if (dev) {
      // redacted as the log line is: test failures print these bodies into CI logs
      body.message = redactText((error as Error)?.message ?? String(error));
      body.stack = (error as Error)?.stack?.split("\n").map((line) => redactText(line.trim()));
      Object.assign(body, sourceLocation(error));
    }
  }
  // Headers describing the abandoned body go; the rest (CORS, rate-limit, Retry-After...) stay.
  for (const name of bodyHeaders) delete res.headers[name];
  res.headers["cache-control"] = "no-store";
  res.statusCode = status;
  if (error instanceof HttpError && status === 405 && error.details?.allow) {
    res.headers.allow = String(error.details.allow);
    delete body.allow;
  }
  if (prefersHtml(req.headers)) {
    res.headers["content-type"] = HTML_TYPE;
    res.payload = { kind: "data", data: dev && status >= 500 ? devErrorPage(status, body) : htmlErrorPage(req, status, body, errorTemplates(res)) };
    return;
  }
  res.headers["content-type"] = JSON_TYPE;
  res.payload = { kind: "data", data: JSON.stringify(body) };
}

/**
 * A refusal that carries only its reason (a class middleware's short-circuit, SPEC §5):
 * `{"error": reason}` for API clients, the error page of that status for a browser page load.
 */
export function answerStatus(req: Request, res: Response, status: number, reason: string): void {
  if (!prefersHtml(req.headers)) {
    res.json({ error: reason }, status);
    return;
  }
  res.header("cache-control", "no-store"); // as every error page: a browser must not show it again from cache
  res.html(htmlErrorPage(req, status, { error: reason, requestId: req.requestId }, errorTemplates(res)), status);
}

/**
 * The log line of a server error: method, path, status, request id (the one the client got)
 * and the stack, followed by each `cause` (a 503 "Session store unavailable" names the Redis
 * that refused, or the driver that is not installed). Whoever answers the client — tina4's
 * own response or an app's onError page — the error is logged once. Repeats of the same error
 * (code and message) within a few seconds are counted and summed up in one line
 * (repeated-errors.ts), so an outage answered on every request does not flood the log.
 */
export function logServerError(req: Request, error: unknown, status = statusOf(error)): void {
  // the same failure on every request (a database that is down): the first in full, then a count
  const first = `${req.method} ${req.path} → ${status}`;
  if (!shouldLogError(errorKind(error), (kind, suppressed, windowMs) => {
    log.error(`… and ${suppressed} more like it in the last ${windowMs / 1000} s (the first: ${first} [${req.requestId}] ${kind})`, { repeated: suppressed });
  })) return;
  let text = `${req.method} ${req.path} → ${status} [${req.requestId}] ${describe(error)}`;
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    text += `\n  caused by: ${describe(cause)}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  // reqId as a key, as on the request line, so a search of JSON logs by X-Request-ID finds the error
  // (only that key: counts by route and status stay one record per request)
  log.error(text, { reqId: req.requestId });
}

function describe(error: unknown): string {
  return (error as Error)?.stack ?? String(error);
}

/** Where in a source file (a template, say) the error points, for errors that know it. */
function sourceLocation(error: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (typeof error !== "object" || error === null) return out;
  const fields = error as Record<string, unknown>;
  for (const key of ["template", "line", "column", "frame"]) {
    const value = fields[key];
    if (typeof value === "string" || typeof value === "number") out[key] = value;
  }
  return out;
}

/** The app's templates, when they can say whether an error template exists. */
function errorTemplates(res: Response): ErrorTemplates | null {
  const views = viewsOf(res);
  if (views === null || typeof views.has !== "function") return null;
  return views as ErrorTemplates;
}
