import { MiddlewareError, MiddlewareErrorCode } from "./errors.js";
import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { toMiddlewareFunction } from "./class-runner.js";
import type { Middleware, MiddlewareFunction } from "./types.js";


export type Endpoint = (req: Request, res: Response) => Promise<void> | void;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * What `next()` returns when the rest of the chain finished synchronously: one promise made
 * once, instead of a new one per request (and a reaction on it), so a synchronous chain —
 * `(req, res, next) => { res.header(...); return next(); }` in front of a handler that
 * returns a value — allocates no promise at all.
 */
const FINISHED: Promise<void> = Promise.resolve();

/**
 * Onion composition. Each middleware gets `next()` that runs the rest of the chain and
 * resolves when it has finished; calling it twice is a programming error and rejects.
 * The composed endpoint returns a promise only when the chain is asynchronous: a first
 * middleware that answers synchronously (a memory cache hit), or hands back `next()` of a
 * chain that finished synchronously, lets the caller commit at once.
 * It may throw synchronously; its callers catch both.
 */
export function compose(middleware: readonly Middleware[], endpoint: Endpoint): Endpoint {
  if (middleware.length === 0) return endpoint;
  const chain: MiddlewareFunction[] = middleware.map(toMiddlewareFunction);
  return function run(req, res) {
    const out = enter(chain, endpoint, 0, req, res);
    return isThenable(out) && out !== FINISHED ? (out as Promise<void>) : undefined;
  };
}

/**
 * Calls middleware `index` with its own `next`: one closure per layer and request, which
 * remembers whether it ran (a layer's `next` is made once, so "called twice" is exactly
 * "this closure already ran").
 */
function enter(chain: readonly MiddlewareFunction[], endpoint: Endpoint, index: number, req: Request, res: Response): unknown {
  let called = false;
  return chain[index]!(req, res, () => {
    if (called) return Promise.reject(new MiddlewareError(MiddlewareErrorCode.NEXT_TWICE, "next() called multiple times"));
    called = true;
    try {
      if (index + 1 === chain.length) {
        const done = endpoint(req, res);
        return isThenable(done) ? Promise.resolve(done) : FINISHED;
      }
      // The middleware's resolved value is ignored, so its promise is returned as is.
      return Promise.resolve(enter(chain, endpoint, index + 1, req, res)) as Promise<void>;
    } catch (error) {
      return Promise.reject(error);
    }
  });
}
