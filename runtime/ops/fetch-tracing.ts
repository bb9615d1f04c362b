/**
 * Client spans for outgoing HTTP calls made with `fetch` (or any other user of undici), and
 * the W3C `traceparent` header that carries the trace on to the called service. Node's undici
 * publishes each request's life on diagnostics channels, so nothing is patched: `fetch` stays
 * the global one, and an app that never turns tracing on has no subscriber and pays nothing.
 *
 * A call gets a span only inside a request whose server span is still open (tracing.ts), so
 * work outside requests — the OTLP exporter's own traffic included — is never traced.
 * `url.full` keeps the query's parameter names but never their values: query strings carry
 * API keys, signatures and what users typed, and no list of "safe" names could know which.
 */
import { subscribe } from "node:diagnostics_channel";
import type { Span, Tracer } from "@opentelemetry/api";

type Api = typeof import("@opentelemetry/api");

/** The fields tina4 reads of undici's request object (undici 6 in Node 20; headers were a string before). */
interface UndiciRequest {
  readonly origin?: string | URL;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: string | string[];
  addHeader?(name: string, value: string): unknown;
}
interface CreateMessage {
  request: UndiciRequest;
}
interface HeadersMessage {
  request: UndiciRequest;
  response: { statusCode: number };
}
interface ErrorMessage {
  request: UndiciRequest;
  error: unknown;
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

/** undici request → its open span; weak, so a response whose body nobody reads leaks nothing. */
const spans = new WeakMap<UndiciRequest, Span>();
let subscribed = false;

/** Subscribes (once per process) to undici's request channels; spans hang under `parent()`. */
export function traceOutgoingFetch(api: Api, tracer: Tracer, parent: () => Span | null | undefined): void {
  if (subscribed) return;
  subscribed = true;
  // The OpenTelemetry SDK marks its own export calls this way (the key is shared by name).
  const suppressed = api.createContextKey("OpenTelemetry SDK Context Key SUPPRESS_TRACING");

  subscribe("undici:request:create", (message) => {
    const { request } = message as CreateMessage;
    const parentSpan = parent();
    if (!parentSpan || api.context.active().getValue(suppressed) === true) return;
    // the caller (or another instrumentation) already propagates a context: leave it alone
    if (hasHeader(request.headers, "traceparent")) return;
    const original = request.method ?? "GET";
    // semantic conventions: an unknown method is "_OTHER" (names are free text a caller chose)
    const method = KNOWN_METHODS.has(original) ? original : "_OTHER";
    const target = describeTarget(request);
    const span = tracer.startSpan(
      method === "_OTHER" ? "HTTP" : method,
      {
        kind: api.SpanKind.CLIENT,
        attributes: {
          "http.request.method": method,
          ...(method === "_OTHER" ? { "http.request.method_original": original } : {}),
          "server.address": target.host,
          "server.port": target.port,
          "url.full": target.url,
        },
      },
      api.trace.setSpan(api.ROOT_CONTEXT, parentSpan),
    );
    spans.set(request, span);
    const context = span.spanContext();
    if (api.trace.isSpanContextValid(context) && typeof request.addHeader === "function") {
      request.addHeader("traceparent", `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`);
    }
  });

  subscribe("undici:request:headers", (message) => {
    const { request, response } = message as HeadersMessage;
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute("http.response.status_code", response.statusCode);
    // a client span fails on 4xx too: the call did not get what it asked for
    if (response.statusCode >= 400) {
      span.setAttribute("error.type", String(response.statusCode));
      span.setStatus({ code: api.SpanStatusCode.ERROR });
    }
  });

  // the response body has been read to its end
  subscribe("undici:request:trailers", (message) => {
    const { request } = message as { request: UndiciRequest };
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.end();
  });

  subscribe("undici:request:error", (message) => {
    const { request, error } = message as ErrorMessage;
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    span.setAttribute("error.type", (failure as NodeJS.ErrnoException).code ?? failure.name);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure.message });
    span.end();
  });
}

function hasHeader(headers: string | string[] | undefined, name: string): boolean {
  if (typeof headers === "string") return new RegExp(`(^|\\r\\n)${name}:`, "i").test(headers);
  if (!Array.isArray(headers)) return false;
  for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
  return false;
}

/** Host, port and the URL with every query value replaced by REDACTED. */
export function describeTarget(request: Pick<UndiciRequest, "origin" | "path">): { host: string; port: number; url: string } {
  let origin: URL;
  try {
    origin = new URL(String(request.origin));
  } catch {
    return { host: "", port: 0, url: "" };
  }
  const host = origin.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = origin.port ? Number(origin.port) : origin.protocol === "https:" ? 443 : 80;
  const path = request.path ?? "/";
  const question = path.indexOf("?");
  const base = `${origin.origin}${question < 0 ? path : path.slice(0, question)}`;
  if (question < 0) return { host, port, url: base };
  const names = path
    .slice(question + 1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => `${pair.includes("=") ? pair.slice(0, pair.indexOf("=")) : pair}=REDACTED`);
  return { host, port, url: names.length === 0 ? base : `${base}?${names.join("&")}` };
}
