import { CliError, CliErrorCode } from "../errors.js";
import { camelCase, snakeCase, SQL_RESERVED } from "./names.js";

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
    if (SQL_RESERVED.has(column)) throw bad(`Field name "${name}" is a reserved SQL word; choose another (e.g. "${column}_name")`);
    if (seen.has(column)) throw bad(`Field "${name}" is listed twice`);
    seen.add(column);
    return { property: camelCase(name), column, type, required: flags.includes("required") };
  });
}
