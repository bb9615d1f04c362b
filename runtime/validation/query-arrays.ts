/**
 * Query parameters that a schema accepts only as arrays. The OpenAPI document types them as
 * arrays, and an OpenAPI client sends an array of one as `?tag=a` (style form, explode), which
 * the query parser can only read as the text "a". So for these keys a single value is given to
 * the schema as an array of one; keys that also accept text (`z.union([z.string(),
 * z.array(z.string())])`) keep the text. Found from the same JSON Schema the document uses, so
 * the document and the server agree by construction.
 */
import { log } from "../log.js";
import { convertSchema, type JsonSchema } from "../openapi/json-schema.js";
import type { StandardSchema } from "./standard.js";

type Kinds = Set<string>;

/** The JSON types a property accepts; "any" when it does not say (no type, $ref to nothing, allOf, ...). */
function kinds(schema: unknown, defs: Record<string, unknown>, depth = 0): Kinds {
  if (typeof schema !== "object" || schema === null || depth > 8) return new Set(["any"]);
  const node = schema as JsonSchema;
  if (typeof node.$ref === "string") {
    const target = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
    return target !== undefined && target in defs ? kinds(defs[target], defs, depth + 1) : new Set(["any"]);
  }
  if (typeof node.type === "string") return new Set([node.type]);
  if (Array.isArray(node.type)) return new Set(node.type.map(String));
  const branches = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches)) {
    const out: Kinds = new Set();
    for (const branch of branches) for (const kind of kinds(branch, defs, depth + 1)) out.add(kind);
    return out;
  }
  return new Set(["any"]);
}

/** The query keys to wrap, or an empty list (also for validators that cannot describe themselves). */
export function arrayOnlyKeys(schema: StandardSchema): readonly string[] {
  let json: JsonSchema | undefined;
  try {
    json = convertSchema(schema, "input");
  } catch (error) {
    log.debug(`query schema not converted to JSON Schema, single values stay text: ${(error as Error)?.message ?? String(error)}`);
    return [];
  }
  const properties = json?.properties;
  if (typeof properties !== "object" || properties === null) return [];
  const defs = (json!.$defs ?? {}) as Record<string, unknown>;
  return Object.entries(properties as Record<string, unknown>)
    .filter(([, property]) => {
      const accepted = kinds(property, defs);
      return accepted.has("array") && !accepted.has("string") && !accepted.has("any");
    })
    .map(([name]) => name);
}

/** `query` with each single value of `keys` as an array of one (a copy; the original is untouched). */
export function wrapSingles(query: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of keys) {
    const value = query[key];
    if (typeof value !== "string") continue;
    copy ??= { ...query };
    copy[key] = [value];
  }
  return copy ?? query;
}
