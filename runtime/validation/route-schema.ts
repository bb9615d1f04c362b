import { isStandardSchema, type StandardSchema } from "./standard.js";
import { SchemaError } from "./errors.js";

/**
 * Response schemas: one schema for every 2xx answer, or one per status code
 * (`{ 200: Item, 404: NotFound }`, plus `default` for the rest).
 */
export type ResponseSchemas = StandardSchema | { readonly [status: number]: StandardSchema; readonly default?: StandardSchema };

/** What a route validates: `export const schema = {...}` or `{ schema }` in a route's options. */
export interface RouteSchema {
  readonly params?: StandardSchema;
  readonly query?: StandardSchema;
  readonly body?: StandardSchema;
  readonly headers?: StandardSchema;
  readonly response?: ResponseSchemas;
}

export const INPUT_LOCATIONS = ["params", "query", "body", "headers"] as const;

/** A route schema after checking: input validators in a fixed order and responses by status. */
export interface CheckedRouteSchema {
  readonly source: RouteSchema;
  readonly inputs: ReadonlyArray<{ readonly in: (typeof INPUT_LOCATIONS)[number]; readonly schema: StandardSchema }>;
  /** Status code (or "2XX" for a single response schema, "default") → schema. */
  readonly responses: ReadonlyMap<string, StandardSchema>;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object without a "~standard" property`;
  return `a ${typeof value}`;
}

/**
 * Checks a route's schema at registration: every part must be a zod or Standard Schema v1
 * validator, and unknown keys (a typo such as `bdy`) are errors, not silently ignored.
 */
export function checkRouteSchema(schema: unknown, route: string): CheckedRouteSchema {
  const fail = (why: string) => new SchemaError(`schema of ${route}: ${why}`);
  if (typeof schema !== "object" || schema === null || Array.isArray(schema) || isStandardSchema(schema)) {
    throw fail(`must be an object like { body: z.object({...}) } (keys: ${[...INPUT_LOCATIONS, "response"].join(", ")}), got ${isStandardSchema(schema) ? "a validator" : describe(schema)}`);
  }
  const inputs: Array<CheckedRouteSchema["inputs"][number]> = [];
  const responses = new Map<string, StandardSchema>();
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    if ((INPUT_LOCATIONS as readonly string[]).includes(key)) {
      if (!isStandardSchema(value)) throw fail(`"${key}" is not a zod or Standard Schema v1 validator (got ${describe(value)})`);
      continue;
    }
    if (key !== "response") throw fail(`unknown key "${key}" (valid: ${[...INPUT_LOCATIONS, "response"].join(", ")})`);
    if (isStandardSchema(value)) {
      responses.set("2XX", value);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(`"response" must be a validator or { <status>: validator } (got ${describe(value)})`);
    for (const [status, item] of Object.entries(value as Record<string, unknown>)) {
      if (status !== "default" && !/^[1-5]\d\d$/.test(status)) throw fail(`"response" key "${status}" is not an HTTP status code or "default"`);
      if (!isStandardSchema(item)) throw fail(`"response.${status}" is not a zod or Standard Schema v1 validator (got ${describe(item)})`);
      responses.set(status, item);
    }
  }
  for (const location of INPUT_LOCATIONS) {
    const value = (schema as RouteSchema)[location];
    if (value !== undefined) inputs.push({ in: location, schema: value });
  }
  return { source: schema as RouteSchema, inputs, responses };
}

/** The response schema that applies to `status`, if any. */
export function responseSchemaFor(schema: CheckedRouteSchema, status: number): StandardSchema | undefined {
  const { responses } = schema;
  return responses.get(String(status)) ?? (status >= 200 && status < 300 ? responses.get("2XX") : undefined) ?? responses.get("default");
}
