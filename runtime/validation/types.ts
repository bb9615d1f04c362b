import type { IncomingHttpHeaders } from "node:http";
import type { Request, Params } from "../http/request.js";
import type { QueryValue } from "../http/query.js";
import type { Response } from "../http/response.js";
import type { Middleware } from "../middleware/types.js";
import type { InferOutput, StandardSchema } from "./standard.js";
import type { RouteSchema } from "./route-schema.js";

/** A route's documentation (`export const meta` or `{ meta }`): used by `tina4 routes` and OpenAPI. */
export interface RouteMeta {
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  /** Defaults to one derived from the method and path (`getUsersById`). */
  operationId?: string;
  /**
   * An OpenAPI Request Body Object documented instead of the one derived from `schema.body`
   * (which is JSON): e.g. `multipart/form-data` with a file field for an upload route.
   */
  requestBody?: { description?: string; required?: boolean; content: Record<string, { schema?: Record<string, unknown>; encoding?: Record<string, unknown> }> };
  [key: string]: unknown;
}

/** Options of a programmatic route: `post("/x", handler, { schema, middleware, meta })`. */
export interface RouteOptions<S extends RouteSchema = RouteSchema> {
  schema?: S;
  middleware?: Middleware[];
  meta?: RouteMeta;
  /** false opens a POST/PUT/PATCH/DELETE route (secured by default); true secures any route. */
  secured?: boolean;
  /**
   * false: no CSRF check on this route's unsafe requests, even when they carry a session
   * cookie (a webhook; docs/auth.md says what that opens). Default true.
   */
  csrf?: boolean;
}

type Parsed<S, K extends keyof RouteSchema, Fallback> = S extends { readonly [key in K]: infer V } ? (V extends undefined ? Fallback : InferOutput<V>) : Fallback;

/**
 * The request a handler with a schema sees: `params`, `query`, `body` and `headers` typed as
 * the schema's parsed output (what validation put there); untouched parts keep their usual types.
 */
export type RouteRequest<S extends RouteSchema> = Omit<Request, "params" | "query" | "body" | "headers"> & {
  params: Parsed<S, "params", Params>;
  query: Parsed<S, "query", Record<string, QueryValue>>;
  body: Parsed<S, "body", unknown>;
  /** Validated headers are merged in; the others stay readable. */
  headers: S extends { readonly headers: StandardSchema } ? Record<string, string | string[] | undefined> & Parsed<S, "headers", never> : IncomingHttpHeaders;
};

/** A handler whose request is typed by its schema. */
export type SchemaHandler<S extends RouteSchema> = (req: RouteRequest<S>, res: Response) => unknown;
