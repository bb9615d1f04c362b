import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";

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

/** Gives a middleware a stable name for `tina4 routes` (bundlers may rename inner functions). */
export function named<T extends MiddlewareFunction>(name: string, fn: T): T {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}
