import { CliError, CliErrorCode } from "../errors.js";
import { camelCase, snakeCase } from "./names.js";
import { isModelMember } from "../../runtime/orm/model.js";

export const FIELD_TYPES = ["string", "text", "int", "float", "bool", "datetime", "json"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
const ALIASES: Record<string, FieldType> = { integer: "int", number: "float", boolean: "bool", date: "datetime", timestamp: "datetime" };

export interface FieldSpec {
  /** camelCase property name. */
  property: string;
  /** snake_case column name. */
  column: string;
  type: FieldType;
  required: boolean;
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

/** Parses `name:string,price:float,sku:string:required`. */
export function parseFields(text: string | undefined): FieldSpec[] {
  if (text === undefined) return [];
  if (text.trim() === "") throw bad("--fields must not be empty (e.g. --fields name:string,price:float)");
  const seen = new Set<string>();
  return text.split(",").map((raw) => {
    const spec = raw.trim();
    const [name = "", typeText = "", ...flags] = spec.split(":");
    if (!name) throw bad(`Field "${spec}" has no name (expected name:type)`);
    if (/[^\x20-\x7e]/.test(name) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw bad(`Field name "${name}" must start with a letter and use only ASCII letters, digits or "_"`);
    }
    const valid = `valid: ${FIELD_TYPES.join(", ")}; aliases: ${Object.keys(ALIASES).join(", ")}`;
    if (!typeText.trim()) throw bad(`Field "${name}" has no type: write it as ${name}:<type>, e.g. ${name}:string (${valid})`);
    const type = (FIELD_TYPES as readonly string[]).includes(typeText.toLowerCase()) ? (typeText.toLowerCase() as FieldType) : ALIASES[typeText.toLowerCase()];
    if (!type) throw bad(`Field "${name}" has unknown type "${typeText}" (${valid})`);
    for (const flag of flags) if (flag !== "required") throw bad(`Field "${name}" has unknown option "${flag}" (valid: required)`);
    const column = snakeCase(name);
    if (column === "id") throw bad(`Field "id" is added automatically as the primary key`);
    // SQL keywords (order, group, position, ...) are fine: the migration quotes them and the ORM quotes every name
    const property = camelCase(name);
    if (isModelMember(property)) {
      throw bad(`Field name "${name}" clashes with the member "${property}" every model record inherits (like save(), delete(), isNew, toJSON()); choose another name (e.g. "${property}Value")`);
    }
    if (seen.has(column)) throw bad(`Field "${name}" is listed twice`);
    seen.add(column);
    return { property, column, type, required: flags.includes("required") };
  });
}
