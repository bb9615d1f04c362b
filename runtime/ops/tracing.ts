/**
 * OpenTelemetry (SPEC §14), optional: when OTEL_EXPORTER_OTLP_ENDPOINT is set and
 * `@opentelemetry/api` is installed, each request gets a server span named
 * `METHOD /route/{pattern}` (attribute `http.route`), continuing an incoming `traceparent`.
 * Its children: database statements (text only, never values), cache calls (backend and
 * namespace, never keys; runtime/cache/traced.ts) and outgoing `fetch` calls, which also
 * carry the trace on to the next service (fetch-tracing.ts). The exporter is the app's tracer
 * provider (the OpenTelemetry SDK, registered by the app or `--import`).
 * Without the env var nothing is loaded; with it but without the package, one hint.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Attributes, Span, SpanContext, Tracer } from "@opentelemetry/api";
import type { App } from "../app.js";
import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { contextSlot, currentRequestContext, wantRequestContexts } from "../context.js";
import { packageRequire } from "../package-require.js";
import { warnOnce } from "../log.js";
import { traceOutgoingFetch } from "./fetch-tracing.js";

type Api = typeof import("@opentelemetry/api");

/** True once tracing is on: the one check the database and the cache pay per call when it is off. */
export let tracingActive = false;

let api: Api | null = null;
let tracer: Tracer | null = null;
/** The request's server span while the request is open; null once it is answered. */
interface SpanHolder {
  span: Span | null;
  /** False while the span is named "unmatched": routing may still find a page template for it. */
  routed: boolean;
}
const requestSpan = contextSlot<SpanHolder>("tracing.span", () => ({ span: null, routed: false }));
const kSpan = Symbol("tina4.span");
type Traced = Request & { [kSpan]?: SpanHolder };

/**
 * The calling request's open server span. Work that outlives the response (a timer started
 * by a handler, an exporter flush scheduled during a request) gets none, so it neither hangs
 * children on an ended span nor traces the exporter's own traffic.
 */
function openRequestSpan(): Span | null | undefined {
  return currentRequestContext()?.peek(requestSpan)?.span;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a W3C `traceparent` header names (all-zero ids are invalid). */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | null {
  const match = typeof header === "string" ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return null;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true };
}

/**
 * The app's own `@opentelemetry/api` (installed next to the SDK it registers, in the app root
 * the CLI runs in) first, then tina4's: a CLI installed globally has no copy of its own.
 */
function loadApi(): Api | null {
  for (const from of [() => createRequire(join(process.cwd(), "package.json")), packageRequire]) {
    try {
      return from()("@opentelemetry/api") as Api;
    } catch (error) {
      // not installed there: try the next place; a broken install is worth saying
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") warnOnce("otel-load", `@opentelemetry/api could not be loaded: ${(error as Error).message}`);
    }
  }
  return null;
}

export interface TracingOptions {
  /** Trace even without OTEL_EXPORTER_OTLP_ENDPOINT (tests with an in-memory exporter). */
  force?: boolean;
}

const tracedApps = new WeakSet<App>();

/**
 * Adds request spans to `app` when tracing is wanted and possible; returns whether it did (or
 * already had). Call it before the app's own global middleware is added, so the request span
 * is open while that middleware (rate limits, response caches, auth) calls caches and databases.
 */
export function installTracing(app: App, options: TracingOptions = {}): boolean {
  if (tracedApps.has(app)) return true;
  if (!options.force && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return false;
  api ??= loadApi();
  if (!api) {
    warnOnce(
      "otel-missing",
      "OTEL_EXPORTER_OTLP_ENDPOINT is set but @opentelemetry/api is not installed, so no traces are sent: " +
        "npm install @opentelemetry/api @opentelemetry/sdk-node @opentelemetry/exporter-trace-otlp-http (docs/operations.md)",
    );
    return false;
  }
  tracer = api.trace.getTracer("tina4");
  tracingActive = true;
  tracedApps.add(app);
  wantRequestContexts();
  const otel = api;
  traceOutgoingFetch(otel, tracer, openRequestSpan);
  // a global middleware runs inside the request context, where child spans find their parent
  app.use(async function tracing(req, _res, next) {
    const parent = parseTraceparent(req.headers.traceparent);
    const parentContext = parent ? otel.trace.setSpanContext(otel.ROOT_CONTEXT, parent) : otel.ROOT_CONTEXT;
    const route = req.route ?? "unmatched";
    const span = tracer!.startSpan(
      `${req.method} ${route}`,
      { kind: otel.SpanKind.SERVER, attributes: { "http.request.method": req.method, "http.route": route, "url.path": req.path } },
      parentContext,
    );
    const holder = currentRequestContext()?.get(requestSpan) ?? { span: null, routed: false };
    holder.span = span;
    holder.routed = req.route !== null;
    (req as Traced)[kSpan] = holder;
    await next();
  });
  app.addHook("onResponse", (req: Request, res: Response) => {
    const holder = (req as Traced)[kSpan];
    const span = holder?.span;
    if (!span) return;
    holder.span = null;
    // a page template is found only once the span is open; it names the span as a route would
    if (!holder.routed && req.route !== null) {
      span.updateName(`${req.method} ${req.route}`);
      span.setAttribute("http.route", req.route);
    }
    const status = res.raw.statusCode;
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
    span.end();
  });
  return true;
}

/** "client" for a call to another server (a database, Redis), "internal" for work in this process. */
export type ChildKind = "client" | "internal";

/**
 * Runs `run` (a statement, a cache call) in a child span of the current request's span;
 * `name` and `attributes` must hold no values a user sent. `finish` annotates the span from the
 * result before it ends (a cache hit or miss, a failure the call absorbed). A synchronous throw is
 * rethrown.
 */
export function traceChild<T>(
  name: string,
  attributes: Attributes,
  run: () => Promise<T>,
  finish?: (span: Span, value: T) => void,
  kind: ChildKind = "client",
): Promise<T> {
  const parent = openRequestSpan();
  if (!api || !tracer || !parent) return run();
  const span = tracer.startSpan(name, { kind: kind === "client" ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL, attributes }, api.trace.setSpan(api.ROOT_CONTEXT, parent));
  const failed = (error: unknown): never => {
    failSpan(span, error);
    span.end();
    throw error;
  };
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (error) {
    return failed(error);
  }
  return pending.then((value) => {
    if (finish) finish(span, value);
    span.end();
    return value;
  }, failed);
}

/** Marks `span` as failed by `error` (recorded as an exception event); `type` becomes `error.type`. */
export function failSpan(span: Span, error: unknown, type?: string): void {
  span.recordException(error instanceof Error ? error : String(error));
  if (type !== undefined) span.setAttribute("error.type", type);
  span.setStatus({ code: api?.SpanStatusCode.ERROR ?? 2 });
}

/** Records a child span for work already done synchronously in this process (a memory cache hit). */
export function recordChild(name: string, attributes: Attributes, kind: ChildKind = "internal"): void {
  const parent = openRequestSpan();
  if (!api || !tracer || !parent) return;
  tracer.startSpan(name, { kind: kind === "client" ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL, attributes }, api.trace.setSpan(api.ROOT_CONTEXT, parent)).end();
}
