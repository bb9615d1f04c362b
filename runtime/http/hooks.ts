/**
 * App lifecycle hooks (Fastify's hook stages, Hono's onError/notFound): plain arrays per stage,
 * run in the order they were added. `App` checks an array's length before running it, so a
 * stage nobody hooked costs nothing (no promise, no closure). docs/http.md, "Hooks".
 */
import { isThenable } from "../middleware/compose.js";
import { log } from "../log.js";
import { monotonicNow } from "./clock.js";
import type { ServerResponse } from "node:http";
import type { Request } from "./request.js";
import type { Response, ResponseBody } from "./response.js";

/**
 * After routing (`req.route` and `req.params` are set), before the body is read. A hook answers
 * the request by setting a body (`res.json(...)`) or by writing `res.raw` itself (resolve once
 * done); the route and the hooks after it then do not run.
 */
export type OnRequestHook = (req: Request, res: Response) => void | Promise<void>;

/**
 * Before the response is written: may change `res.statusCode` and `res.headers`, and return a
 * body to send instead of `payload`. Not run for responses a handler wrote to `res.raw` itself.
 */
export type OnSendHook = (req: Request, res: Response, payload: ResponseBody) => ResponseBody | void | Promise<ResponseBody | void>;

/**
 * Once the exchange is over: the response was sent (`res.raw.writableFinished`) or the client
 * went away first. A hook's error is logged; the client has its answer already.
 */
export type OnResponseHook = (req: Request, res: Response) => void;

/** What an onSent hook sees of the response: it is over, so only to read (not callable). */
export interface SentResponse {
  readonly raw: ServerResponse;
  readonly statusCode: number;
}

/**
 * The cheap end-of-exchange hook, for per-request accounting (the request log, metrics): runs
 * once the response is ended (`res.raw.writableEnded`: handed to the socket, final status in
 * `res.raw.statusCode`) or the exchange closed without it (the client left, a stream was cut:
 * `writableEnded` false). `ms` is the time since the request reached the app, `endedAt` the
 * clock reading it was measured to, on `performance.now()`'s scale (a hook that needs the time
 * reads no clock of its own: the request log's `time`). When the app's own synchronous path ends the response it
 * runs right there, with no listener on the response; otherwise on its `close`. Unlike the other
 * hooks it does not make responses callable, so an app hooked only this way keeps the fast
 * path. A hook's error is logged.
 */
export type OnSentHook = (req: Request, res: SentResponse, ms: number, endedAt: number) => void;

/**
 * An error is about to become an error response (a thrown error, tina4's own 404/405/413/422).
 * A hook answers by setting a body; otherwise tina4's JSON (or dev HTML) error response is sent.
 */
export type OnErrorHook = (error: unknown, req: Request, res: Response) => void | Promise<void>;

/** What answers when no route, page template or public file matches (`res` starts at 404). */
export type NotFoundHandler = (req: Request, res: Response) => unknown;

export interface HookTypes {
  onRequest: OnRequestHook;
  onSend: OnSendHook;
  onResponse: OnResponseHook;
  onSent: OnSentHook;
  onError: OnErrorHook;
}
export type HookName = keyof HookTypes;

export class Hooks {
  readonly onRequest: OnRequestHook[] = [];
  readonly onSend: OnSendHook[] = [];
  readonly onResponse: OnResponseHook[] = [];
  readonly onSent: OnSentHook[] = [];
  readonly onError: OnErrorHook[] = [];

  add<K extends HookName>(name: K, hook: HookTypes[K]): void {
    const list = this[name] as Array<HookTypes[K]> | undefined;
    if (!Array.isArray(list)) throw new TypeError(`Unknown hook "${String(name)}" (known: onRequest, onSend, onResponse, onSent, onError)`);
    if (typeof hook !== "function") throw new TypeError(`The ${name} hook must be a function`);
    list.push(hook);
  }
}

/** True once the response is decided: a body was set, or `res.raw` was written, ended or closed. */
export function answered(res: Response): boolean {
  const raw = res.raw;
  return res.payload.kind !== "none" || raw.headersSent || raw.writableEnded || raw.destroyed;
}

/** Runs onRequest hooks from `from` until one answers; then `next(answered)`, or `fail(error)`. */
export function runRequestHooks(hooks: readonly OnRequestHook[], req: Request, res: Response, next: (answered: boolean) => void, fail: (error: unknown) => void, from = 0): void {
  for (let i = from; i < hooks.length; i++) {
    let out: unknown;
    try {
      out = hooks[i]!(req, res);
    } catch (error) {
      return fail(error);
    }
    if (isThenable(out)) {
      out.then(() => (answered(res) ? next(true) : runRequestHooks(hooks, req, res, next, fail, i + 1)), fail);
      return;
    }
    if (answered(res)) return next(true);
  }
  next(false);
}

/** Runs onSend hooks from `from`, each seeing (and possibly replacing) `res.payload`; then `done()`, or `fail(error)`. */
export function runSendHooks(hooks: readonly OnSendHook[], req: Request, res: Response, done: () => void, fail: (error: unknown) => void, from = 0): void {
  for (let i = from; i < hooks.length; i++) {
    let out: ResponseBody | void | Promise<ResponseBody | void>;
    try {
      out = hooks[i]!(req, res, res.payload);
    } catch (error) {
      return fail(error);
    }
    if (isThenable(out)) {
      out.then((body) => {
        if (body) res.payload = body;
        runSendHooks(hooks, req, res, done, fail, i + 1);
      }, fail);
      return;
    }
    if (out) res.payload = out;
  }
  done();
}

/** Runs onError hooks until one answers; then `next()`. A hook that fails is logged and skipped. */
export function runErrorHooks(hooks: readonly OnErrorHook[], error: unknown, req: Request, res: Response, next: () => void, from = 0): void {
  const skip = (failure: unknown) => {
    log.error(`onError hook failed: ${(failure as Error)?.stack ?? String(failure)}`);
  };
  for (let i = from; i < hooks.length && !answered(res); i++) {
    let out: unknown;
    try {
      out = hooks[i]!(error, req, res);
    } catch (failure) {
      skip(failure);
      continue;
    }
    if (isThenable(out)) {
      out.then(undefined, skip).then(() => runErrorHooks(hooks, error, req, res, next, i + 1));
      return;
    }
  }
  next();
}

/** Runs the onResponse hooks once `res.raw` has closed (after the response finished, or the client left). */
export function watchResponse(hooks: readonly OnResponseHook[], req: Request, res: Response): void {
  res.raw.once("close", () => {
    for (const hook of hooks) {
      try {
        hook(req, res);
      } catch (error) {
        log.error(`onResponse hook failed: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
  });
}

/**
 * Runs the onSent hooks now if the response is already ended (the synchronous path: no listener
 * at all), else once `res.raw` closes. `started` is monotonicNow() (clock.ts) at the request's arrival.
 */
export function settleResponse(hooks: readonly OnSentHook[], req: Request, res: SentResponse, started: number): void {
  if (res.raw.writableEnded) {
    const endedAt = monotonicNow();
    return runSentHooks(hooks, req, res, endedAt - started, endedAt);
  }
  // read (and keep) the client's address now: once the client has gone — an abandoned request,
  // an SSE stream the browser closed — the socket no longer knows it, and the line would say ""
  void req.ip;
  res.raw.once("close", () => {
    const endedAt = monotonicNow();
    runSentHooks(hooks, req, res, endedAt - started, endedAt);
  });
}

/**
 * Runs the onSent hooks for a WebSocket upgrade, answered with `status` (101, or a refusal's
 * 4xx/5xx written on the socket by the realtime layer). There is no ServerResponse: `raw` is a
 * stand-in holding what the hooks read of a finished one (its status, ended, no headers).
 */
export function settleUpgrade(hooks: readonly OnSentHook[], req: Request, status: number, ms: number): void {
  const raw = { statusCode: status, writableEnded: true, writableFinished: true, headersSent: true, getHeader: () => undefined, getHeaders: () => ({}) };
  const endedAt = monotonicNow();
  runSentHooks(hooks, req, { raw: raw as unknown as ServerResponse, statusCode: status }, ms, endedAt);
}

function runSentHooks(hooks: readonly OnSentHook[], req: Request, res: SentResponse, ms: number, endedAt: number): void {
  for (let i = 0; i < hooks.length; i++) {
    try {
      hooks[i]!(req, res, ms, endedAt);
    } catch (error) {
      log.error(`onSent hook failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
}

const kSendHooks = Symbol("tina4.sendHooks");
type WithSendHooks = { [kSendHooks]?: OnSendHook[] };

/**
 * An onSend hook for this one response, run before the app's own: how a middleware sees the
 * payload that is finally sent, whatever outer middleware did after it (responseCache stores
 * it). Hooks the app added later (dev live reload) still change what is sent, not what it saw.
 */
export function addSendHook(res: Response, hook: OnSendHook): void {
  ((res as unknown as WithSendHooks)[kSendHooks] ??= []).push(hook);
}

/** The response's own onSend hooks (undefined when it has none: the common case). */
export function sendHooksOf(res: Response): readonly OnSendHook[] | undefined {
  return (res as unknown as WithSendHooks)[kSendHooks];
}
