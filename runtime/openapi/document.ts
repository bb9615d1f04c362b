import type { DocumentedApp, OpenApiOptions, RouteDefinitionInfo } from "./types.js";
import type { Segment } from "../router/pattern.js";
import type { StandardSchema } from "../validation/standard.js";
import { isThenable } from "../middleware/compose.js";
import { SchemaComponents, toJsonSchema, type JsonSchema } from "./json-schema.js";

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string; description?: string }>;
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes?: Record<string, JsonSchema> };
};

/**
 * The JSON Schema of each typed path parameter. Kept beside the router's own tests of the
 * same types (runtime/router/param-types.ts); test/openapi checks they agree.
 */
export const PARAM_SCHEMAS: Record<string, JsonSchema> = {
  int: { type: "integer" },
  float: { type: "number" },
  uuid: { type: "string", format: "uuid" },
  alpha: { type: "string", pattern: "^[A-Za-z]+$" },
  alnum: { type: "string", pattern: "^[A-Za-z0-9]+$" },
  slug: { type: "string", pattern: "^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$" },
};

const ANY_METHODS = ["get", "post", "put", "patch", "delete"] as const;

const VALIDATION_ERROR: JsonSchema = {
  type: "object",
  description: "Every failing field of the request.",
  required: ["error", "errors"],
  properties: {
    error: { type: "string", const: "Validation failed" },
    code: { type: "string" },
    requestId: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["in", "path", "message"],
        properties: {
          in: { type: "string", enum: ["params", "query", "body", "headers"] },
          path: { type: "string", description: "Dotted path of the field, e.g. items.0.price" },
          message: { type: "string" },
        },
      },
    },
  },
};

const ERROR: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "string" }, code: { type: "string" }, requestId: { type: "string" } },
};

/** True for tina4's own routes, which the document leaves out. */
function isFramework(route: RouteDefinitionInfo, exclude: readonly string[]): boolean {
  return route.source === "tina4" || route.path.startsWith("/__") || exclude.includes(route.path);
}

/** `/users/{id:int}/files/{...rest}` → `/users/{id}/files/{rest}`. */
export function openApiPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return "/";
  return segments.map((segment) => (segment.kind === "static" ? `/${segment.value}` : `/{${segment.name}}`)).join("");
}

/** `GET /api/products/{id}` → `getApiProductsById`. */
function defaultOperationId(method: string, segments: readonly Segment[]): string {
  const words = segments.map((segment) => (segment.kind === "static" ? segment.value : `by-${segment.name}`));
  const camel = words
    .join("-")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
  return method.toLowerCase() + (camel || "Root");
}

/** Schema properties as OpenAPI parameters (`in: query | header | path`). */
function parametersFrom(schema: JsonSchema, location: "query" | "header" | "path"): Array<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, deprecated, ...rest } = property;
    return {
      name,
      in: location,
      required: location === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      ...(deprecated === true ? { deprecated: true } : {}),
      schema: rest,
    };
  });
}

/** True when the body may be left out (the schema accepts `undefined`); async schemas count as required. */
function acceptsNothing(schema: StandardSchema): boolean {
  try {
    const result = schema["~standard"].validate(undefined);
    return !isThenable(result) && !result.issues;
  } catch {
    return false;
  }
}

type Ref = { $ref: string };
type RouteDefinition = ReturnType<DocumentedApp["routeDefinitions"]>[number];

/** What every operation of one route shares: its parameters, request body and responses. */
interface RouteParts {
  parameters: JsonSchema[];
  body: JsonSchema | undefined;
  responses: Record<string, JsonSchema>;
}

/**
 * The OpenAPI 3.1 document of every app route, file and programmatic: path templates,
 * typed path parameters, parameters and bodies from the route schemas, responses, meta
 * (summary, description, tags, deprecated, operationId, security) and the 422 answer.
 */
export function buildOpenApiDocument(app: DocumentedApp, options: OpenApiOptions = {}): OpenApiDocument {
  const components = new SchemaComponents();
  const validationRef = { $ref: `#/components/schemas/${components.define("ValidationError", VALIDATION_ERROR)}` };
  const errorRef = { $ref: `#/components/schemas/${components.define("Error", ERROR)}` };
  const paths: OpenApiDocument["paths"] = {};
  const usedIds = new Set<string>();
  let anySecured = false;
  const exclude = options.exclude ?? [];
  const routes = app
    .routeDefinitions()
    .filter((route) => !isFramework(route, exclude))
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));

  for (const route of routes) {
    const parts = routeParts(route, components, validationRef, errorRef);
    const methods = route.method === "ANY" ? ANY_METHODS : [route.method.toLowerCase()];
    for (const method of methods) {
      const { operation, secured } = operationOf(route, method, parts, usedIds, errorRef);
      anySecured ||= secured;
      (paths[openApiPath(route.segments)] ??= {})[method] = operation;
    }
  }

  const info = { title: options.title ?? "tina4 app", version: options.version ?? "0.0.0", ...(options.description ? { description: options.description } : {}) };
  return {
    openapi: "3.1.0",
    info,
    ...(options.servers?.length ? { servers: options.servers } : {}),
    paths,
    components: {
      schemas: components.schemas,
      ...(anySecured || options.securitySchemes ? { securitySchemes: { ...(anySecured ? TINA4_SECURITY_SCHEMES : {}), ...options.securitySchemes } } : {}),
    },
  };
}

/** Parameters, body and responses of one route, its schemas converted (in this order) into components. */
function routeParts(route: RouteDefinition, components: SchemaComponents, validationRef: Ref, errorRef: Ref): RouteParts {
  const schema = route.schema?.source;
  const label = `${route.method} ${route.path}`;
  // `io` names the component (a request variant of a named schema gets "Input" appended).
  // Both are converted as zod's "input": requests are what the client sends, and a response is
  // sent as the handler returned it (the dev check parses it, nothing rewrites it), so a z.object
  // answer may carry other keys and a .default() field may be missing, as the input form says.
  const converted = (part: StandardSchema | undefined, io: "input" | "output", what: string) =>
    part ? components.add(toJsonSchema(part, "input", `${label} ${what}`), nameHint(route, what), io) : undefined;

  const pathParams = patternParameters(route);
  const paramsSchema = converted(schema?.params, "input", "params");
  // A params schema refines the pattern's own types; params it does not name keep them.
  if (paramsSchema) for (const param of parametersFrom(paramsSchema, "path")) if (pathParams.has(param.name as string)) pathParams.set(param.name as string, param);
  const query = converted(schema?.query, "input", "query");
  const headers = converted(schema?.headers, "input", "headers");
  const body = converted(schema?.body, "input", "body");
  const parameters = [...pathParams.values(), ...(query ? parametersFrom(query, "query") : []), ...(headers ? parametersFrom(headers, "header") : [])];

  const responses: Record<string, JsonSchema> = {};
  for (const [status, responseSchema] of route.schema?.responses ?? []) {
    const content = converted(responseSchema, "output", `response${status}`);
    responses[status] = { description: status === "default" ? "Other responses" : describeStatus(status), content: { "application/json": { schema: content } } };
  }
  if (!Object.keys(responses).some((status) => status.startsWith("2"))) responses["2XX"] = { description: "Success" };
  // tina4's own error answers, unless the route declares its shape for that status (an app
  // answering errors its own way with app.onError says so in `response`)
  if (body) responses["400"] ??= { description: "Malformed JSON body", content: { "application/json": { schema: errorRef } } };
  if (route.schema && route.schema.inputs.length > 0) {
    responses["422"] ??= { description: "Validation failed: every failing field", content: { "application/json": { schema: validationRef } } };
  }
  return { parameters, body, responses };
}

/** The path parameters the pattern itself declares (`{id:int}` is an integer, `{...rest}` may hold `/`). */
function patternParameters(route: RouteDefinition): Map<string, Record<string, unknown>> {
  const pathParams = new Map<string, Record<string, unknown>>();
  for (const segment of route.segments) {
    if (segment.kind === "static") continue;
    const typed = segment.kind === "param" && segment.type ? PARAM_SCHEMAS[segment.type.name] : undefined;
    pathParams.set(segment.name, {
      name: segment.name,
      in: "path",
      required: true,
      ...(segment.kind === "rest" ? { description: "The rest of the path; may contain /" } : {}),
      schema: typed ?? { type: "string" },
    });
  }
  return pathParams;
}

/** One method's operation of a route: a unique operationId, meta, security (401 on secured routes). */
function operationOf(route: RouteDefinition, method: string, parts: RouteParts, usedIds: Set<string>, errorRef: Ref): { operation: JsonSchema; secured: boolean } {
  const meta = route.meta ?? {};
  let operationId = typeof meta.operationId === "string" ? meta.operationId : defaultOperationId(method, route.segments);
  if (route.method === "ANY" && typeof meta.operationId === "string") operationId += method[0]!.toUpperCase() + method.slice(1);
  for (let i = 2; usedIds.has(operationId); i++) operationId = `${operationId.replace(/\d+$/, "")}${i}`;
  usedIds.add(operationId);
  // tina4's secured routes: a Bearer token or a session cookie, 401 without either
  const secured = route.secured === "always" || (route.secured === "unsafe" && UNSAFE.has(method));
  const security = Array.isArray(meta.security) ? meta.security : secured ? TINA4_SECURITY : undefined;
  const { parameters, body, responses } = parts;
  const operation: JsonSchema = {
    operationId,
    ...(typeof meta.summary === "string" ? { summary: meta.summary } : {}),
    ...(typeof meta.description === "string" ? { description: meta.description } : {}),
    ...(Array.isArray(meta.tags) ? { tags: meta.tags } : {}),
    ...(meta.deprecated === true ? { deprecated: true } : {}),
    ...(security ? { security } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(isRequestBody(meta.requestBody)
      ? { requestBody: meta.requestBody }
      : body && method !== "get"
        ? { requestBody: { required: !acceptsNothing(route.schema!.source.body!), content: { "application/json": { schema: body } } } }
        : {}),
    responses: secured ? { ...responses, "401": responses["401"] ?? { description: "Unauthorized: no valid Bearer token or session user", content: { "application/json": { schema: errorRef } } } } : responses,
  };
  return { operation, secured };
}

/** `meta.requestBody` as the app wrote it (an upload's multipart body): an object with `content`. */
function isRequestBody(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && typeof (value as { content?: unknown }).content === "object" && (value as { content?: unknown }).content !== null;
}

const UNSAFE = new Set(["post", "put", "patch", "delete"]);
/** Either scheme satisfies a secured route. */
const TINA4_SECURITY = [{ bearerAuth: [] }, { sessionCookie: [] }];
const TINA4_SECURITY_SCHEMES: Record<string, JsonSchema> = {
  bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
  sessionCookie: { type: "apiKey", in: "cookie", name: "tina4_session" },
};

function nameHint(route: RouteDefinitionInfo, what: string): string {
  return defaultOperationId(route.method, route.segments) + what[0]!.toUpperCase() + what.slice(1);
}

const STATUS_TEXT: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "202": "Accepted",
  "204": "No Content",
  "2XX": "Success",
  "400": "Bad Request",
  "401": "Unauthorized",
  "403": "Forbidden",
  "404": "Not Found",
  "409": "Conflict",
  "422": "Unprocessable Content",
};

function describeStatus(status: string): string {
  return STATUS_TEXT[status] ?? `Status ${status}`;
}
