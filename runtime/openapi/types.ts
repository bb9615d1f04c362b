import type { Segment } from "../router/pattern.js";
import type { CheckedRouteSchema } from "../validation/route-schema.js";
import type { RouteMeta } from "../validation/types.js";
import type { JsonSchema } from "./json-schema.js";

/** A registered route as the OpenAPI document sees it. */
export interface RouteDefinitionInfo {
  method: string;
  path: string;
  segments: readonly Segment[];
  source: string;
  meta: RouteMeta | undefined;
  schema: CheckedRouteSchema | undefined;
  /** Whether the route needs a user: always, never, or for unsafe methods (an ANY route). */
  secured?: "always" | "never" | "unsafe";
}

/** What the document builder needs of an App (kept apart so runtime/openapi never imports app.ts). */
export interface DocumentedApp {
  routeDefinitions(): RouteDefinitionInfo[];
  readonly routeCount: number;
  readonly options: { readonly publicDir: string | null };
}

export interface OpenApiOptions {
  /** `info.title` (default: the app's package.json name, else "tina4 app"). */
  title?: string;
  /** `info.version` (default: the app's package.json version, else "0.0.0"). */
  version?: string;
  description?: string;
  servers?: Array<{ url: string; description?: string }>;
  /** Security schemes for `components.securitySchemes`; routes name them in `meta.security`. */
  securitySchemes?: Record<string, JsonSchema>;
  /** Paths left out besides tina4's own (`/__*`): the document and docs page paths. */
  exclude?: string[];
}
