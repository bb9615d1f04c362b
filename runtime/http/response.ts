import type { Stats } from "node:fs";
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { serializeCookie, type CookieOptions } from "./cookies.js";
import type { Request } from "./request.js";
import { TemplateError, TemplateErrorCode } from "../templates/errors.js";
import { openEventStream, type SseOptions, type SseStream } from "../realtime/sse.js";

export const JSON_TYPE = "application/json; charset=utf-8";
export const HTML_TYPE = "text/html; charset=utf-8";
export const TEXT_TYPE = "text/plain; charset=utf-8";
export const BINARY_TYPE = "application/octet-stream";

export type HeaderValue = string | number | string[];

/** A body decided by the handler but written only when the middleware chain has finished. */
export type ResponseBody =
  | { kind: "none" }
  | { kind: "data"; data: string | Buffer }
  | { kind: "stream"; stream: Readable }
  /**
   * `basis`: the stat the headers were made from (set by tina4's file answers, byte-range.ts):
   * commit compares it with the file as opened and rebuilds the headers if it changed.
   */
  | { kind: "file"; path: string; basis?: Stats };

/** What `res.render` delegates to: the app's templates (runtime/templates/views.ts). */
export interface ViewRenderer {
  render(name: string, data: Record<string, unknown> | null | undefined, req: Request | null): string;
  /** Whether a template exists (error pages look for `errors/<status>.twig` with it). */
  has?(name: string): boolean;
}

/** Internal slots: the request being answered and the app's templates (for `res.render`). */
export const kRequest = Symbol("tina4.request");
export const kViews = Symbol("tina4.views");

/**
 * The response API. `res(data, status?, contentType?)` picks the content type from the
 * value; the methods set one aspect each and chain. Nothing reaches the socket until the
 * middleware chain has unwound, so after-hooks and onion middleware can still change
 * status, headers and body (Koa's model).
 */
export interface Response {
  (data?: unknown, status?: number, contentType?: string): Response;
  readonly raw: ServerResponse;
  statusCode: number;
  /** Pending headers, lower-case names. */
  readonly headers: Record<string, HeaderValue>;
  /** The pending body. */
  payload: ResponseBody;
  /** True once a body has been chosen (by `res(...)`, a helper, or a returned value). */
  readonly ended: boolean;
  send(data?: unknown, status?: number, contentType?: string): Response;
  json(data: unknown, status?: number): Response;
  html(markup: string, status?: number): Response;
  text(text: string, status?: number): Response;
  status(code: number): Response;
  header(name: string, value: HeaderValue): Response;
  getHeader(name: string): HeaderValue | undefined;
  removeHeader(name: string): Response;
  redirect(location: string, status?: number): Response;
  cookie(name: string, value: string, options?: CookieOptions): Response;
  clearCookie(name: string, options?: CookieOptions): Response;
  file(path: string, contentType?: string): Response;
  stream(stream: Readable, contentType?: string): Response;
  /**
   * Renders a template from `src/templates` (Twig, HTML-escaped) as text/html. The render
   * happens now, so a template error becomes a 500 and never a half-sent page.
   */
  render(name: string, data?: Record<string, unknown>, status?: number): Response;
  /**
   * Server-Sent Events: the response becomes a text/event-stream. `send(data, { event, id })`,
   * `join(room)` (it then receives `broadcast`), heartbeats, `lastEventId` (runtime/realtime/sse.ts).
   */
  sse(options?: SseOptions): SseStream;
}

interface ResponseState {
  raw: ServerResponse;
  statusCode: number;
  headers: Record<string, HeaderValue>;
  payload: ResponseBody;
  [kRequest]: Request | null;
  [kViews]: ViewRenderer | null;
}

const NO_BODY: ResponseBody = { kind: "none" };

/** The app's templates this response renders with (null when the app has none). */
export function viewsOf(res: Response): ViewRenderer | null {
  return (res as unknown as ResponseState)[kViews] ?? null;
}

type Internal = Response & ResponseState;

/** The response methods, shared by both response shapes below. */
const proto = {
  get ended(): boolean {
    const self = this as unknown as Internal;
    return self.payload.kind !== "none" || self.raw.headersSent;
  },
  send(this: Internal, data?: unknown, status?: number, contentType?: string): Response {
    if (status !== undefined) this.status(status);
    if (data === undefined) return this;
    if (typeof data === "string") {
      this.headers["content-type"] = contentType ?? (looksLikeHtml(data) ? HTML_TYPE : TEXT_TYPE);
      this.payload = { kind: "data", data };
    } else if (data instanceof Uint8Array) {
      this.headers["content-type"] = contentType ?? BINARY_TYPE;
      const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      this.payload = { kind: "data", data: buffer };
    } else if (isReadable(data)) {
      this.stream(data, contentType);
    } else {
      this.headers["content-type"] = contentType ?? JSON_TYPE;
      this.payload = { kind: "data", data: JSON.stringify(data) ?? "null" };
    }
    return this;
  },
  json(this: Internal, data: unknown, status?: number): Response {
    if (status !== undefined) this.status(status);
    this.headers["content-type"] = JSON_TYPE;
    this.payload = { kind: "data", data: JSON.stringify(data) ?? "null" };
    return this;
  },
  html(this: Internal, markup: string, status?: number): Response {
    return this.send(String(markup), status, HTML_TYPE);
  },
  text(this: Internal, text: string, status?: number): Response {
    return this.send(String(text), status, TEXT_TYPE);
  },
  status(this: Internal, code: number): Response {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`Invalid HTTP status code: ${code}`);
    this.statusCode = code;
    return this;
  },
  header(this: Internal, name: string, value: HeaderValue): Response {
    this.headers[name.toLowerCase()] = value;
    return this;
  },
  getHeader(this: Internal, name: string): HeaderValue | undefined {
    return this.headers[name.toLowerCase()];
  },
  removeHeader(this: Internal, name: string): Response {
    delete this.headers[name.toLowerCase()];
    return this;
  },
  redirect(this: Internal, location: string, status = 302): Response {
    if (/[\r\n]/.test(location)) throw new TypeError("Redirect location must not contain line breaks");
    // browsers drop tabs from URLs: "/\t/evil.example" would leave the site as "//evil.example"
    if (location.includes("\t")) location = location.replaceAll("\t", "%09");
    this.headers.location = location;
    this.headers["content-type"] = TEXT_TYPE;
    this.payload = { kind: "data", data: `Redirecting to ${location}` };
    return this.status(status);
  },
  cookie(this: Internal, name: string, value: string, options?: CookieOptions): Response {
    const cookie = serializeCookie(name, value, options);
    const existing = this.headers["set-cookie"];
    this.headers["set-cookie"] = existing === undefined ? [cookie] : [...toArray(existing), cookie];
    return this;
  },
  clearCookie(this: Internal, name: string, options?: CookieOptions): Response {
    return this.cookie(name, "", { ...options, maxAge: 0, expires: new Date(0) });
  },
  file(this: Internal, path: string, contentType?: string): Response {
    if (contentType) this.headers["content-type"] = contentType;
    this.payload = { kind: "file", path };
    return this;
  },
  stream(this: Internal, stream: Readable, contentType?: string): Response {
    this.headers["content-type"] = contentType ?? (this.headers["content-type"] as string | undefined) ?? BINARY_TYPE;
    this.payload = { kind: "stream", stream };
    return this;
  },
  sse(this: Internal, options?: SseOptions): SseStream {
    const lastEventId = this.raw.req?.headers["last-event-id"];
    const { stream, body } = openEventStream(this.raw, typeof lastEventId === "string" ? lastEventId : undefined, options);
    this.headers["cache-control"] = "no-cache, no-transform";
    this.headers["x-accel-buffering"] = "no"; // nginx: pass events on at once
    this.stream(body, "text/event-stream; charset=utf-8");
    return stream;
  },
  render(this: Internal, name: string, data?: Record<string, unknown>, status?: number): Response {
    const views = this[kViews];
    if (!views) throw new TemplateError(TemplateErrorCode.DISABLED, `res.render("${name}"): this app has no templates folder`);
    return this.send(views.render(name, data, this[kRequest]), status, HTML_TYPE);
  },
};

/** Prototype of callable responses (its own prototype is Function.prototype). */
const callableProto = Object.setPrototypeOf(Object.defineProperties({}, Object.getOwnPropertyDescriptors(proto)), Function.prototype) as object;

/**
 * The same response as a plain object. Making a function callable costs a prototype
 * switch per request, so requests whose user code never receives `res` (a handler that
 * only returns a value, no middleware) get this cheaper shape.
 */
class PlainResponse {
  // assigned in the constructor only: a class field would define each property once more
  declare raw: ServerResponse;
  declare statusCode: number;
  declare headers: Record<string, HeaderValue>;
  declare payload: ResponseBody;
  declare [kRequest]: Request | null;
  declare [kViews]: ViewRenderer | null;
  constructor(raw: ServerResponse, request: Request | null, views: ViewRenderer | null) {
    this.raw = raw;
    this.statusCode = 200;
    this.headers = {};
    this.payload = NO_BODY;
    this[kRequest] = request;
    this[kViews] = views;
  }
}
Object.defineProperties(PlainResponse.prototype, Object.getOwnPropertyDescriptors(proto));

/**
 * Creates the response for one request: callable (`res(data)`) when user code will see it,
 * a plain object with the same methods when only the runtime will.
 */
export function createResponse(raw: ServerResponse, callable = true, request: Request | null = null, views: ViewRenderer | null = null): Response {
  if (!callable) return new PlainResponse(raw, request, views) as unknown as Response;
  const res = function (data?: unknown, status?: number, contentType?: string): Response {
    return res.send(data, status, contentType);
  } as Response & ResponseState;
  Object.setPrototypeOf(res, callableProto);
  res.raw = raw;
  res.statusCode = 200;
  res.headers = {};
  res.payload = NO_BODY;
  res[kRequest] = request;
  res[kViews] = views;
  return res;
}

function looksLikeHtml(text: string): boolean {
  const start = text.trimStart();
  return start.startsWith("<") && /^<(!doctype|html|head|body|div|p|h[1-6]|span|section|main|ul|ol|table|a|br|img|form|!--)/i.test(start);
}

function isReadable(value: unknown): value is Readable {
  return typeof value === "object" && value !== null && typeof (value as Readable).pipe === "function" && typeof (value as Readable).on === "function";
}

function toArray(value: HeaderValue): string[] {
  return Array.isArray(value) ? value : [String(value)];
}
