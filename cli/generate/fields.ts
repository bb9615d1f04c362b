import { CliError, CliErrorCode } from "../errors.js";
import { camelCase, snakeCase } from "./names.js";
import { isModelMember } from "../../runtime/orm/model.js";
import { DECIMAL_DEFAULTS } from "../../runtime/orm/fields.js";
import { keyStem, parseFieldOptions, splitOutside, type FieldOptions } from "./field-options.js";
import { tableName } from "./names.js";

export const FIELD_TYPES = ["string", "text", "int", "float", "bool", "datetime", "json", "decimal"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
const ALIASES: Record<string, FieldType> = { integer: "int", number: "float", boolean: "bool", date: "datetime", timestamp: "datetime" };

/** "integer (int), number (float), …": the aliases as help text shows them, so help cannot drift from the parser. */
export function aliasList(): string {
  return Object.entries(ALIASES).map(([alias, type]) => `${alias} (${type})`).join(", ");
}

export interface FieldSpec extends FieldOptions {
  /** camelCase property name. */
  property: string;
  /** snake_case column name. */
  column: string;
  type: FieldType;
  /** decimal: digits in all and after the point (12 and 2 unless the spec says). */
  precision?: number;
  scale?: number;
  /** A foreign key: the table it points at (its `id`), always named (read from the field's name when the spec did not). */
  references?: string;
  /** A foreign key's relation on the model: `customer` for customer_id. */
  relation?: string;
}

const bad = (message: string) => new CliError(message, CliErrorCode.BAD_FIELD);

/**
 * The field list of `generate model`: `--fields name:string,price:float` and/or Rails-style
 * arguments after the name (`name:string price:float`), merged in that order; one spec may
 * also hold several comma-separated fields.
 */
export function fieldList(option: string | undefined, args: readonly string[] = []): string | undefined {
  if (option !== undefined && option.trim() === "") throw bad("--fields must not be empty (e.g. --fields name:string,price:float)");
  const parts = option === undefined ? [...args] : [option, ...args];
  return parts.length === 0 ? undefined : parts.join(",");
}

/** `a:int,b:decimal(10,2),c:string:default="x, y"` → its field specs: commas inside parentheses or quotes belong to the spec. */
function splitSpecs(text: string): string[] {
  return splitOutside(text, ",");
}

/**
 * A decimal's precision and scale: `decimal` (12,2), `decimal:10:2` (shell-safe) or
 * `decimal(10,2)` (quoted in a shell); the numbers are taken out of `flags`.
 */
function decimalShape(name: string, typeText: string, flags: string[]): { precision: number; scale: number } {
  const inParens = /^decimal\((.*)\)$/i.exec(typeText);
  const numbers = inParens ? inParens[1]!.split(",").map((n) => n.trim()) : [];
  while (!inParens && flags.length > 0 && /^\d+$/.test(flags[0]!) && numbers.length < 2) numbers.push(flags.shift()!);
  const form = `write ${name}:decimal:10:2 or "${name}:decimal(10,2)" (precision, scale)`;
  if ((!inParens && typeText.toLowerCase() !== "decimal") || numbers.length > 2 || numbers.some((n) => !/^\d+$/.test(n))) throw bad(`Field "${name}" has a bad decimal size "${typeText}": ${form}`);
  const precision = numbers[0] === undefined ? DECIMAL_DEFAULTS.precision : Number(numbers[0]);
  const scale = numbers[1] === undefined ? DECIMAL_DEFAULTS.scale : Number(numbers[1]);
  if (precision < 1 || precision > MAX_PORTABLE_PRECISION) {
    throw bad(`Field "${name}": decimal precision must be 1 to ${MAX_PORTABLE_PRECISION} (Firebird's limit; the migration is written for every engine), got ${precision}`);
  }
  if (scale > precision) throw bad(`Field "${name}": decimal scale ${scale} is larger than its precision ${precision}: ${form}`);
  return { precision, scale };
}

/** The most digits a generated decimal column may have: Firebird's, since its variant is written too. */
export const MAX_PORTABLE_PRECISION = 18;

/** Parses `name:string,price:float,sku:string:required,total:decimal:10:2,email:string:unique,age:int:default=0`. */
export function parseFields(text: string | undefined): FieldSpec[] {
  if (text === undefined) return [];
  if (text.trim() === "") throw bad("--fields must not be empty (e.g. --fields name:string,price:float)");
  const seen = new Set<string>();
  const specs = splitSpecs(text).map((raw, i, all): FieldSpec => {
    const spec = raw.trim();
    // `default=1,5` split at its comma: say so instead of refusing a field named "5"
    if (i > 0 && !spec.includes(":") && /:default=[^"']*$/i.test(all[i - 1]!)) {
      throw bad(`Field "${all[i - 1]!.trim().split(":")[0]}": a default with a comma must be quoted (default="${all[i - 1]!.replace(/^.*?:default=/i, "")},${spec}")`);
    }
    const [name = "", rawType = "", ...flags] = splitOutside(spec, ":");
    const typeText = /^decimal\(/i.test(rawType) ? "decimal" : rawType;
    if (!name) throw bad(`Field "${spec}" has no name (expected name:type)`);
    if (/[^\x20-\x7e]/.test(name) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw bad(`Field name "${name}" must start with a letter and use only ASCII letters, digits or "_"`);
    }
    const valid = `valid: ${FIELD_TYPES.join(", ")}; aliases: ${Object.keys(ALIASES).join(", ")}`;
    if (!typeText.trim()) throw bad(`Field "${name}" has no type: write it as ${name}:<type>, e.g. ${name}:string (${valid})`);
    const type = (FIELD_TYPES as readonly string[]).includes(typeText.toLowerCase()) ? (typeText.toLowerCase() as FieldType) : ALIASES[typeText.toLowerCase()];
    if (!type && /^references(=.*)?$/i.test(typeText)) {
      const key = /_?id$/i.test(name) ? name : `${name}_id`;
      throw bad(`Field "${name}": a foreign key is an int field with the references option: ${key}:int:${typeText} (Rails' ${name}:references is spelled so here, the column named as the model field)`);
    }
    if (!type && /^(required|nullable|unique|uniq|index|default(=.*)?)$/i.test(typeText)) {
      throw bad(`Field "${name}": "${typeText}" is an option, not a type; the type comes first: ${name}:string:${typeText}`);
    }
    if (!type) throw bad(`Field "${name}" has unknown type "${typeText}" (${valid})`);
    const shape = type === "decimal" ? decimalShape(name, rawType, flags) : undefined;
    const options = parseFieldOptions(name, type, flags, shape);
    const column = snakeCase(name);
    if (column === "id") throw bad(`Field "id" is added automatically as the primary key`);
    // SQL keywords (order, group, position, ...) are fine: the migration quotes them and the ORM quotes every name
    const property = camelCase(name);
    if (isModelMember(property)) {
      throw bad(`Field name "${name}" clashes with the member "${property}" every model record inherits (like save(), delete(), isNew, toJSON()); choose another name (e.g. "${property}Value")`);
    }
    if (seen.has(column)) throw bad(`Field "${name}" is listed twice`);
    seen.add(column);
    return { property, column, type, ...options, ...shape, ...(options.references !== undefined && foreignKey(name, options.references)) };
  });
  checkRelations(specs);
  return specs;
}

/** A foreign key's table (`customer_id` → customers unless the spec named one) and its relation's name. */
function foreignKey(name: string, table: string): { references: string; relation: string } {
  const stem = keyStem(name);
  return { references: table !== "" ? table : tableName(stem), relation: camelCase(stem) };
}

/** A relation is a property of the records too: it must not hide a field or a record member. */
function checkRelations(specs: readonly FieldSpec[]): void {
  for (const spec of specs) {
    if (spec.relation === undefined) continue;
    if (specs.some((other) => other.property === spec.relation) || isModelMember(spec.relation)) {
      throw bad(`Field "${spec.property}": its relation would be called "${spec.relation}", which is ${isModelMember(spec.relation) ? "a member every record has" : "another field"}: rename ${isModelMember(spec.relation) ? "the key" : "one of them"}`);
    }
  }
}
