import { STATUS_CODES } from "node:http";
import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { answerStatus } from "../http/error-response.js";
import { MiddlewareError, MiddlewareErrorCode } from "./errors.js";
import type { Hook, Middleware, MiddlewareClass, MiddlewareFunction } from "./types.js";

const converted = new WeakMap<object, MiddlewareFunction>();

/** Static method names of a class (and its parents) that start with `prefix`. */
function hooks(target: MiddlewareClass, prefix: string): Hook[] {
  const statics = target as unknown as Record<string, unknown>;
  const names = new Set<string>();
  for (let current: object | null = target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    for (const name of Object.getOwnPropertyNames(current)) {
      if (name.startsWith(prefix) && typeof statics[name] === "function") names.add(name);
    }
  }
  return [...names].map((name) => (statics[name] as Hook).bind(target));
}

/** True for a class with at least one static `before...` or `after...` hook. */
export function isMiddlewareClass(value: unknown): value is MiddlewareClass {
  if (typeof value !== "function") return false;
  const source = Function.prototype.toString.call(value);
  if (!source.startsWith("class")) return false;
  const target = value as MiddlewareClass;
  return hooks(target, "before").length > 0 || hooks(target, "after").length > 0;
}

function shortCircuited(result: unknown, res: Response): boolean {
  return result === false || res.ended || res.statusCode >= 400;
}

/**
 * What a short-circuit answers when the hook chose no body: `false` with the status untouched
 * → 403; a 4xx/5xx status → that status; either way a JSON `{"error": <reason>}` body (for a
 * browser page load, the error page of that status instead: http/error-response.ts). A body,
 * or a status the hook set (a redirect, say), is the hook's answer and stays as it is.
 */
function refuse(req: Request, res: Response, result: unknown, statusBefore: number): void {
  if (res.ended) return;
  if (result === false && res.statusCode === statusBefore) res.status(403);
  if (res.statusCode >= 400) answerStatus(req, res, res.statusCode, STATUS_CODES[res.statusCode] ?? "Error");
}

/**
 * Turns a hook class into one onion layer: before-hooks in declaration order (each awaited,
 * stopping at the first short-circuit), then the rest of the chain unless short-circuited,
 * then every after-hook, always, even when the route or a hook threw.
 */
export function classToMiddleware(target: MiddlewareClass): MiddlewareFunction {
  const befores = hooks(target, "before");
  const afters = hooks(target, "after");
  return async (req, res, next) => {
    try {
      let proceed = true;
      for (const before of befores) {
        const statusBefore = res.statusCode;
        const result = await before(req, res);
        if (shortCircuited(result, res)) {
          refuse(req, res, result, statusBefore);
          proceed = false;
          break;
        }
      }
      if (proceed) await next();
    } finally {
      for (const after of afters) await after(req, res);
    }
  };
}

export function toMiddlewareFunction(middleware: Middleware): MiddlewareFunction {
  const cached = converted.get(middleware);
  if (cached) return cached;
  let fn: MiddlewareFunction;
  if (isMiddlewareClass(middleware)) fn = classToMiddleware(middleware);
  else if (typeof middleware === "function" && !Function.prototype.toString.call(middleware).startsWith("class")) fn = middleware as MiddlewareFunction;
  else {
    const name = (middleware as { name?: string } | null)?.name ?? typeof middleware;
    throw new MiddlewareError(
      MiddlewareErrorCode.INVALID,
      `Middleware "${name}" must be an async (req, res, next) function or a class with static before*/after* hooks`,
    );
  }
  converted.set(middleware, fn);
  return fn;
}

export function middlewareName(middleware: Middleware): string {
  return (middleware as { name?: string }).name || "anonymous";
}
