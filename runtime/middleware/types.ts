import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";

export type Next = () => Promise<void>;

/** Onion middleware: do work, `await next()`, do more work. */
export type MiddlewareFunction = (req: Request, res: Response, next: Next) => unknown;

/** Class middleware: static `beforeX(req, res)` / `afterX(req, res)` hooks. */
export type Hook = (req: Request, res: Response) => unknown;
export interface MiddlewareClass {
  readonly name: string;
  // Static hook methods are discovered by name; this index signature keeps the type open.
  [hook: string]: unknown;
}

export type Middleware = MiddlewareFunction | MiddlewareClass;
