import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import type { Middleware } from "../middleware/types.js";
import type { RouteSchema } from "./route-schema.js";
import type { RouteMeta, SchemaHandler } from "./types.js";

/** Shared through the symbol registry: an app bundle and the runtime serving it agree on it. */
export const kRouteDefinition = Symbol.for("tina4.route-definition");

export interface RouteDefinition<S extends RouteSchema = RouteSchema> {
  /** Put `schema` before `handler`: TypeScript then types the handler's request from it. */
  schema?: S;
  handler: SchemaHandler<S>;
  middleware?: Middleware[];
  meta?: RouteMeta;
}

/** What `defineRoute` returns: usable wherever a handler is (a file route's default export, `post(path, ...)`). */
export type DefinedRoute = ((req: Request, res: Response) => unknown) & { readonly [kRouteDefinition]: RouteDefinition };

/**
 * A route handler together with its schema, middleware and meta, with `req.params/query/
 * body/headers` typed from the schema:
 *
 * ```ts
 * export default defineRoute({
 *   schema: { body: z.object({ name: z.string() }) },
 *   handler: (req) => ({ hello: req.body.name }),
 * });
 * ```
 */
export function defineRoute<S extends RouteSchema>(definition: RouteDefinition<S>): DefinedRoute {
  if (typeof definition !== "object" || definition === null || typeof definition.handler !== "function") {
    throw new TypeError("defineRoute({ schema, handler }) needs a handler function");
  }
  const handler = definition.handler as unknown as (req: Request, res: Response) => unknown;
  const route = ((req: Request, res: Response) => handler(req, res)) as DefinedRoute;
  Object.defineProperty(route, kRouteDefinition, { value: definition as unknown as RouteDefinition });
  return route;
}

/** The definition behind a `defineRoute` result, or undefined for a plain handler. */
export function routeDefinitionOf(handler: unknown): RouteDefinition | undefined {
  return typeof handler === "function" ? (handler as Partial<DefinedRoute>)[kRouteDefinition] : undefined;
}
