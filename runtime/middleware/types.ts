import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { mayUseAsFunction } from "./calls-parameter.js";

export type Next = () => Promise<void>;

/** Onion middleware: do work, `await next()`, do more work. */
export type MiddlewareFunction = (req: Request, res: Response, next: Next) => unknown;

/**
 * Class middleware: any class with static `beforeX(req, res)` / `afterX(req, res)` hooks.
 * Typed as a constructor because hook names are free-form; they are found at registration.
 */
export type Hook = (req: Request, res: Response) => unknown;
export type MiddlewareClass = abstract new (...args: never) => unknown;

export type Middleware = MiddlewareFunction | MiddlewareClass;

const builtins = new WeakSet<MiddlewareFunction>();

/**
 * Marks one of tina4's own middleware: gives it a stable name for `tina4 routes` (bundlers
 * may rename inner functions) and records that it never calls `res(...)` as a function, so
 * a route whose only middleware are built-ins can get the cheaper plain response object.
 */
export function builtin<T extends MiddlewareFunction>(name: string, fn: T): T {
  Object.defineProperty(fn, "name", { value: name });
  builtins.add(fn);
  return fn;
}

/**
 * True for user middleware that may call `res(...)` (or otherwise use it as a function: see
 * ./calls-parameter.ts; a class always counts); false for tina4's built-ins and for functions
 * that only use `res`'s methods and fields, such as `(req, res, next) => { res.header(...); return next(); }`.
 */
export function mayCallResponse(middleware: Middleware): boolean {
  if (builtins.has(middleware as MiddlewareFunction)) return false;
  return mayUseAsFunction(middleware, 1);
}
