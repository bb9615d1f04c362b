import type * as Zod from "zod";
import { loadZod } from "../validation/zod.js";
import { isGuarded, normalizeField, type Field, type ModelFields } from "./fields.js";
import { decimalProblem } from "./validation.js";

/**
 * - `create`: a request body for a new record: required fields must be there (unless they
 *   have a default); guarded fields (the primary key, `hidden` ones, timestamps, `guarded: true`)
 *   are left out, and sending one is a 422 naming it.
 * - `update`: a request body for a change: every field optional; guarded fields and the
 *   primary key left out and refused as for `create`.
 * - `record`: a record as the API answers it (`toJSON()`): every field but `hidden` ones, optional ones null.
 */
export type ModelSchemaMode = "create" | "update" | "record";

/** The zod object a model's fields give. */
export type ModelSchema = Zod.ZodObject<Record<string, Zod.ZodType>>;

/** What modelSchema reads: a Model class's name and its `static fields`. */
export interface ModelShape {
  readonly name: string;
  readonly fields: ModelFields;
}

const cache = new WeakMap<ModelShape, Map<ModelSchemaMode, ModelSchema>>();

/**
 * A zod schema derived from a model's `static fields`, so a route validates (and documents)
 * exactly what the model accepts: types, `required`, `min/max`, `minLength/maxLength` and
 * `pattern` come from one definition. The model still validates on save(); this rejects bad
 * input at the route with a 422 listing every field, before the handler runs.
 *
 * ```ts
 * export const schema = { body: modelSchema(Product, "create"), response: { 201: modelSchema(Product, "record") } };
 * ```
 */
export function modelSchema(model: ModelShape, mode: ModelSchemaMode = "create"): ModelSchema {
  let byMode = cache.get(model);
  if (!byMode) cache.set(model, (byMode = new Map()));
  const cached = byMode.get(mode);
  if (cached) return cached;
  const z = loadZod();
  const fields = Object.entries(model.fields ?? {}).map(([property, def]) => normalizeField(model.name || "Model", property, def));
  const key = fields.find((f) => f.def.primaryKey) ?? fields.find((f) => f.property === "id");
  const shape: Record<string, Zod.ZodType> = {};
  const refused: string[] = [];
  for (const field of fields) {
    if (mode !== "record" && (isGuarded(field, field === key) || (field === key && mode === "update"))) {
      // named (not just left out, which would strip it silently) so a client that sends it learns why it had no effect
      refused.push(field.property, field.column);
      continue;
    }
    if (mode === "record" && field.def.hidden === true) continue;
    let schema: Zod.ZodType = fieldSchema(z, field, mode);
    if (mode === "record") {
      if (field !== key && !field.def.required) schema = schema.nullable();
    } else {
      if (!field.def.required) schema = schema.nullable();
      if (mode === "update" || !field.def.required || field.def.default !== undefined) schema = schema.optional();
    }
    shape[field.property] = schema;
  }
  for (const name of refused) if (!Object.hasOwn(shape, name)) shape[name] = refusedField(z, name);
  const result = z.object(shape).meta({ id: mode === "record" ? model.name : `${model.name}${mode === "create" ? "Create" : "Update"}` }) as ModelSchema;
  byMode.set(mode, result);
  return result;
}

/**
 * A key a request must not send: absent passes, any value (null too) is an issue at that key.
 * /openapi.json leaves such properties out of request bodies (openapi/json-schema.ts drops `not: {}`).
 */
function refusedField(z: typeof Zod.z, name: string): Zod.ZodType {
  return z.never({ error: `${name} is set by the server, not by a request: leave it out` }).optional();
}

function fieldSchema(z: typeof Zod.z, field: Field, mode: ModelSchemaMode): Zod.ZodType {
  const d = field.def;
  switch (field.type) {
    case "string":
    case "text": {
      let text = z.string();
      if (d.minLength !== undefined) text = text.min(d.minLength, `must be at least ${d.minLength} characters`);
      if (d.maxLength !== undefined) text = text.max(d.maxLength, `must be at most ${d.maxLength} characters`);
      if (field.pattern) text = text.regex(field.pattern, `must match ${String(field.pattern)}`);
      if (d.required) text = text.regex(/\S/, "is required");
      return text;
    }
    case "int":
    case "float": {
      let number = field.type === "int" ? z.number().int() : z.number();
      if (typeof d.min === "number") number = number.min(d.min, `must be at least ${d.min}`);
      if (typeof d.max === "number") number = number.max(d.max, `must be at most ${d.max}`);
      return number;
    }
    case "decimal": {
      const rules = field.decimal!;
      const shape = `decimal(${rules.precision},${rules.scale})`;
      // records carry the exact canonical text; requests may send text or a number, checked as save() checks them
      if (mode === "record") {
        const canonical = rules.scale === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${rules.scale}}$`);
        return z.string().regex(canonical).describe(`${shape} as exact text with ${rules.scale} decimals`);
      }
      return z
        .union([z.string(), z.number()])
        .superRefine((value, ctx) => {
          const problem = decimalProblem(rules, value);
          if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
        })
        .describe(`${shape}: decimal text like "19.50", or a number with at most ${rules.scale} decimals`);
    }
    case "bool":
      return z.boolean();
    case "datetime":
      return z.iso.datetime({ offset: true, local: true });
    case "json":
      return z.json();
  }
}
