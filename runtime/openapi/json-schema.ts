import { log } from "../log.js";
import type { StandardSchema } from "../validation/standard.js";
import { loadZod } from "../validation/zod.js";

export type JsonSchema = Record<string, unknown>;

/**
 * A validator's JSON Schema (2020-12, the dialect of OpenAPI 3.1) for what a client sends
 * (`input`) or what a handler answers (`output`): through the Standard JSON Schema extension
 * (zod 4's own conversion), else zod's `toJSONSchema`, else `{}` (any value) for validators
 * that cannot describe themselves. Types JSON cannot express (dates, transforms) become `{}`.
 */
export function toJsonSchema(schema: StandardSchema, io: "input" | "output", label: string): JsonSchema {
  try {
    return convertSchema(schema, io) ?? { description: `Validated by ${schema["~standard"].vendor}` };
  } catch (error) {
    log.warn(`OpenAPI: the ${label} schema could not be converted to JSON Schema (${(error as Error)?.message ?? String(error)}); documented as any value`);
    return {};
  }
}

/** The conversion itself: undefined for a validator that cannot describe itself; throws when the conversion fails. */
export function convertSchema(schema: StandardSchema, io: "input" | "output"): JsonSchema | undefined {
  const props = schema["~standard"];
  const zodOptions = props.vendor === "zod" && io === "input" ? { unrepresentable: "any", override: describeZodText } : { unrepresentable: "any" };
  if (props.jsonSchema) return withoutSafeIntegerBounds(props.jsonSchema[io]({ target: "draft-2020-12", libraryOptions: zodOptions }));
  if (props.vendor === "zod") {
    const zod = loadZod();
    return withoutSafeIntegerBounds(zod.toJSONSchema(schema as unknown as Parameters<typeof zod.toJSONSchema>[0], { io, target: "draft-2020-12", ...zodOptions } as Parameters<typeof zod.toJSONSchema>[1]) as JsonSchema);
  }
  return undefined;
}

interface ZodOverrideContext {
  zodSchema: { _zod?: { def?: { type?: string; coerce?: boolean }; bag?: Record<string, unknown> } };
  jsonSchema: JsonSchema;
}

/**
 * Text a client sends that zod turns into something else, which zod's conversion leaves vague:
 * `z.stringbool()` (a bare string) lists the texts it accepts, `z.coerce.date()` ("any value")
 * is date-time text. Both describe a part of what is accepted, never more.
 */
function describeZodText(ctx: ZodOverrideContext): void {
  const zod = ctx.zodSchema._zod;
  const bag = zod?.bag;
  if (bag && Array.isArray(bag.truthy) && Array.isArray(bag.falsy)) {
    ctx.jsonSchema.type = "string";
    ctx.jsonSchema.enum = [...new Set([...bag.truthy, ...bag.falsy])];
  } else if (zod?.def?.type === "date" && zod.def.coerce === true && Object.keys(ctx.jsonSchema).length === 0) {
    ctx.jsonSchema.type = "string";
    ctx.jsonSchema.format = "date-time";
  }
}

/**
 * zod's `.int()` states the safe-integer range (±9007199254740991) on every integer; it says
 * nothing a reader needs, so those two bounds are dropped (other bounds stay). Properties that
 * can never be sent are dropped too (withoutRefused).
 */
function withoutSafeIntegerBounds(schema: JsonSchema): JsonSchema {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if ((key === "minimum" && item === Number.MIN_SAFE_INTEGER) || (key === "maximum" && item === Number.MAX_SAFE_INTEGER)) continue;
      out[key] = key === "properties" ? walk(withoutRefused(item)) : walk(item);
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}

/**
 * A property whose schema is `{ not: {} }` can never be sent (a model's guarded field in
 * modelSchema's request schemas, a `z.never()`): documented by leaving it out.
 */
function withoutRefused(properties: unknown): unknown {
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return properties;
  const isRefused = (schema: unknown) => typeof schema === "object" && schema !== null && Object.keys(schema).length === 1 && JSON.stringify((schema as JsonSchema).not) === "{}";
  return Object.fromEntries(Object.entries(properties).filter(([, schema]) => !isRefused(schema)));
}

/**
 * Moves a JSON Schema's `$defs` into the document's `components.schemas` and points its
 * references there: inside an OpenAPI document `#/$defs/X` would resolve against the
 * document root, not the schema. A self-reference (`#`) hoists the schema itself. Named
 * schemas (zod's `.meta({ id: "Product" })`) used by several routes become one component.
 */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};
  /** Component name → JSON text of the definition it came from (to share identical ones). */
  private readonly originals = new Map<string, string>();

  /** `io` tells request shapes from response shapes: a request variant of a named schema gets "Input" appended. */
  add(schema: JsonSchema, nameHint: string, io: "input" | "output" = "output"): JsonSchema {
    const { $schema: _dialect, $defs, ...rest } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const renamed = new Map<string, string>();
    const fresh: Array<[string, JsonSchema]> = [];
    const claim = (ref: string, name: string, definition: JsonSchema) => {
      const { name: target, isNew } = this.claim(name, JSON.stringify(definition), io);
      renamed.set(ref, target);
      if (isNew) fresh.push([target, definition]);
    };
    for (const [name, definition] of Object.entries($defs ?? {})) claim(`#/$defs/${name}`, name, definition);
    const selfReferencing = JSON.stringify(rest).includes('"$ref":"#"');
    if (selfReferencing) claim("#", nameHint, rest);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value !== "object" || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = key === "$ref" && typeof item === "string" && renamed.has(item) ? `#/components/schemas/${renamed.get(item)}` : rewrite(item);
      }
      return out;
    };
    for (const [name, definition] of fresh) this.schemas[name] = rewrite(definition) as JsonSchema;
    return selfReferencing ? { $ref: `#/components/schemas/${renamed.get("#")}` } : (rewrite(rest) as JsonSchema);
  }

  /** Stores a fixed schema (tina4's own error shapes) and returns the name it got. */
  define(name: string, schema: JsonSchema): string {
    const { name: target, isNew } = this.claim(name, JSON.stringify(schema));
    if (isNew) this.schemas[target] = schema;
    return target;
  }

  /** The component for a definition: an identical one already stored, or a new free name. */
  private claim(name: string, text: string, io: "input" | "output" = "output"): { name: string; isNew: boolean } {
    const base = name.replace(/[^A-Za-z0-9._-]/g, "_") || "Schema";
    const first = io === "input" ? [base, `${base}Input`] : [base];
    for (let i = 0; ; i++) {
      const candidate = i < first.length ? first[i]! : `${first.at(-1)}${i - first.length + 2}`;
      const existing = this.originals.get(candidate);
      if (existing === text) return { name: candidate, isNew: false };
      if (existing === undefined) {
        this.originals.set(candidate, text);
        return { name: candidate, isNew: true };
      }
    }
  }
}
