import type { Engine, SqlValue } from "../db/index.js";
import { ModelError, ModelErrorCode } from "./errors.js";

/** Canonical field types. */
export type CanonicalFieldType = "string" | "text" | "int" | "float" | "bool" | "datetime" | "json";
/** Field types accepted in `static fields`, with aliases (integer → int, number → float, boolean → bool). */
export type FieldType = CanonicalFieldType | "integer" | "number" | "boolean";

/** A JSON value (what a `json` field holds). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface FieldDefinition {
  type: FieldType;
  primaryKey?: boolean;
  /** The database generates the key (SERIAL / AUTO_INCREMENT / IDENTITY). */
  autoIncrement?: boolean;
  /** null, undefined (and "" for string/text) fail validation. */
  required?: boolean;
  /** Used for new records when the value is not given; a function is called per record. */
  default?: unknown;
  /** Smallest / largest number allowed (int, float). */
  min?: number;
  max?: number;
  /** Shortest / longest text allowed, in characters (string, text). */
  minLength?: number;
  maxLength?: number;
  /** The whole text must match (string, text). */
  pattern?: RegExp | string;
  /** Column name; defaults to the property in snake_case (inStock → in_stock). */
  column?: string;
}

export type ModelFields = Record<string, FieldDefinition>;

/** A field after normalisation. */
export interface Field {
  property: string;
  column: string;
  type: CanonicalFieldType;
  def: FieldDefinition;
  pattern: RegExp | null;
}

const ALIASES: Record<string, CanonicalFieldType> = {
  string: "string", text: "text", int: "int", float: "float", bool: "bool", datetime: "datetime", json: "json",
  integer: "int", number: "float", boolean: "bool",
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** inStock → in_stock, HTTPCode → http_code. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

export function normalizeField(model: string, property: string, def: FieldDefinition): Field {
  const bad = (why: string) => new ModelError(ModelErrorCode.DEFINITION, `${model}.fields.${property}: ${why}`);
  if (def === null || typeof def !== "object") throw bad("must be an object like { type: \"string\" }");
  const valid = "valid: string, text, int, float, bool, datetime, json; aliases integer, number, boolean";
  if (def.type === undefined || String(def.type).trim() === "") throw bad(`has no type: write e.g. { type: "string" } (${valid})`);
  const type = ALIASES[String(def.type)];
  if (!type) throw bad(`unknown type "${String(def.type)}" (${valid})`);
  const column = def.column ?? snakeCase(property);
  if (!IDENT.test(column)) throw bad(`column "${column}" must be letters, digits and _`);
  let pattern: RegExp | null = null;
  if (def.pattern !== undefined) pattern = typeof def.pattern === "string" ? new RegExp(`^(?:${def.pattern})$`) : def.pattern;
  return { property, column, type, def, pattern };
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/**
 * Input from requests and forms: lossless conversions only ("12" → 12 for int, "true" → true,
 * an ISO string → Date, "" → null for non-text types). Anything else is kept as given, so
 * validation reports it.
 */
export function coerceInput(field: Field, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const t = field.type;
  if (t === "string" || t === "text" || t === "json") return value;
  if (value === "") return null;
  switch (t) {
    case "int":
      if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      }
      if (typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(value);
      return value;
    case "float":
      if (typeof value === "string" && value.trim() !== "") {
        const n = Number(value);
        return Number.isFinite(n) ? n : value;
      }
      return value;
    case "bool":
      if (typeof value === "string") {
        const v = value.trim().toLowerCase();
        return TRUE.has(v) ? true : FALSE.has(v) ? false : value;
      }
      if (value === 1 || value === 0) return value === 1;
      return value;
    case "datetime":
      if (typeof value === "string" || typeof value === "number") {
        const d = new Date(value);
        return Number.isNaN(d.getTime()) ? value : d;
      }
      return value;
  }
}

/** A model value → what the database driver binds. */
export function toDb(field: Field, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (field.type === "json") return JSON.stringify(value);
  return value as SqlValue;
}

/** A value read from `engine` → the model's type (bool from 0/1, datetime → Date, JSON text parsed, ...). */
export function fromDb(field: Field, value: unknown, _engine: Engine): unknown {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case "int": {
      if (typeof value === "number") return value;
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : typeof value === "bigint" ? value : n;
    }
    case "float":
      return typeof value === "number" ? value : Number(value);
    case "bool":
      if (typeof value === "boolean") return value;
      if (typeof value === "number" || typeof value === "bigint") return Number(value) !== 0;
      if (Buffer.isBuffer(value)) return value.length > 0 && value[0] !== 0;
      {
        const v = String(value).trim().toLowerCase();
        return v === "1" || v === "t" || v === "true" || v === "y" || v === "yes";
      }
    case "datetime": {
      if (value instanceof Date) return value;
      const text = String(value);
      const d = new Date(/^\d{4}-\d\d-\d\d \d/.test(text) && !/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? `${text.replace(" ", "T")}Z` : text);
      return Number.isNaN(d.getTime()) ? value : d;
    }
    case "json": {
      if (typeof value === "object" && !Buffer.isBuffer(value)) return value;
      const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    default:
      return Buffer.isBuffer(value) ? value.toString("utf8") : typeof value === "string" ? value : String(value);
  }
}
