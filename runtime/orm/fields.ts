import type { Engine, SqlValue } from "../db/index.js";
import { ModelError, ModelErrorCode } from "./errors.js";
import { decimalFromDb, decimalInput, type DecimalShape } from "./decimal.js";

/** Canonical field types. */
export type CanonicalFieldType = "string" | "text" | "int" | "float" | "decimal" | "bool" | "datetime" | "json";
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
  /**
   * The column has a unique index (`tina4 generate model … email:string:unique` writes it into
   * the migration). The database enforces it; the ORM does not query for it. The tests
   * `tina4 generate route --model` writes give each record they make its own value of it.
   */
  unique?: boolean;
  /** Smallest / largest number allowed (int, float, decimal; a decimal's may be text like "0.01", compared exactly). */
  min?: number | string;
  max?: number | string;
  /** decimal: digits in all (default 12, at most 38) and after the point (default 2, at most `precision`). */
  precision?: number;
  scale?: number;
  /** Shortest / longest text allowed, in characters (string, text). */
  minLength?: number;
  maxLength?: number;
  /** The whole text must match (string, text). */
  pattern?: RegExp | string;
  /** Column name; defaults to the property in snake_case (inStock → in_stock). */
  column?: string;
  /**
   * Never sent: left out of the record's JSON (`toJSON()`, so `res.json(record)`) and of
   * `modelSchema(Model, "record")` (response schemas, /openapi.json). A password hash, a token.
   */
  hidden?: boolean;
  /**
   * Never taken from a request: left out of `modelSchema(Model, "create" | "update")` (so of the
   * request bodies a route validates and /openapi.json documents), and a request that sends it
   * is a 422 naming it. Server code still sets it (`User.create({ ...input, passwordHash })`).
   * Default: true for the primary key, `hidden` fields and the automatic timestamp columns
   * (created_at, updated_at, deleted_at); false for the rest. `guarded: false` opens one.
   */
  guarded?: boolean;
}

export type ModelFields = Record<string, FieldDefinition>;

/** A field after normalisation. */
export interface Field {
  property: string;
  column: string;
  type: CanonicalFieldType;
  def: FieldDefinition;
  pattern: RegExp | null;
  /** decimal fields: the shape and the exact bounds, in units of 10^-scale. */
  decimal: DecimalRules | null;
}

export interface DecimalRules extends DecimalShape {
  min: bigint | null;
  max: bigint | null;
}

/** DECIMAL(12,2) unless a field says otherwise: money up to 9 999 999 999.99. */
export const DECIMAL_DEFAULTS: Readonly<DecimalShape> = { precision: 12, scale: 2 };
/** The most digits a decimal field may have (SQL Server's limit; engines with less refuse at use, see Dialect.exactDecimal). */
export const DECIMAL_MAX_PRECISION = 38;

const ALIASES: Record<string, CanonicalFieldType> = {
  string: "string", text: "text", int: "int", float: "float", decimal: "decimal", bool: "bool", datetime: "datetime", json: "json",
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
  const valid = "valid: string, text, int, float, bool, datetime, json, decimal; aliases integer, number, boolean";
  if (def.type === undefined || String(def.type).trim() === "") throw bad(`has no type: write e.g. { type: "string" } (${valid})`);
  const type = ALIASES[String(def.type)];
  if (!type) throw bad(`unknown type "${String(def.type)}" (${valid})`);
  const column = def.column ?? snakeCase(property);
  if (!IDENT.test(column)) throw bad(`column "${column}" must be letters, digits and _`);
  if (def.hidden !== undefined && typeof def.hidden !== "boolean") throw bad("hidden must be true or false");
  if (def.guarded !== undefined && typeof def.guarded !== "boolean") throw bad("guarded must be true or false");
  if (def.unique !== undefined && typeof def.unique !== "boolean") throw bad("unique must be true or false");
  let pattern: RegExp | null = null;
  if (def.pattern !== undefined) pattern = typeof def.pattern === "string" ? new RegExp(`^(?:${def.pattern})$`) : def.pattern;
  let decimal: DecimalRules | null = null;
  if (type === "decimal") decimal = decimalRules(def, bad);
  else {
    if (def.precision !== undefined || def.scale !== undefined) throw bad(`precision and scale apply to decimal fields only (this one is ${type})`);
    for (const bound of ["min", "max"] as const) {
      if (def[bound] !== undefined && typeof def[bound] !== "number") throw bad(`${bound} must be a number (text bounds are for decimal fields)`);
    }
  }
  return { property, column, type, def, pattern, decimal };
}

function decimalRules(def: FieldDefinition, bad: (why: string) => ModelError): DecimalRules {
  const precision = def.precision ?? DECIMAL_DEFAULTS.precision;
  const scale = def.scale ?? DECIMAL_DEFAULTS.scale;
  if (!Number.isInteger(precision) || precision < 1 || precision > DECIMAL_MAX_PRECISION) {
    throw bad(`precision must be a whole number from 1 to ${DECIMAL_MAX_PRECISION}, got ${String(def.precision)}`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw bad(`scale must be a whole number from 0 to precision (${precision}), got ${String(scale)}${def.scale === undefined ? " (the default): give scale" : ""}`);
  }
  const shape = { precision, scale };
  const bound = (name: "min" | "max"): bigint | null => {
    if (def[name] === undefined) return null;
    const parsed = decimalInput(def[name], shape);
    if (!parsed.ok) throw bad(`${name} ${JSON.stringify(def[name])} ${parsed.message}`);
    return parsed.units;
  };
  const min = bound("min");
  const max = bound("max");
  if (min !== null && max !== null && min > max) throw bad(`min ${JSON.stringify(def.min)} is larger than max ${JSON.stringify(def.max)}`);
  return { precision, scale, min, max };
}

/** Columns the server or the database fills in (a row's creation, change and soft-delete times): never client input. */
export const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(["created_at", "updated_at", "deleted_at"]);

/**
 * Whether a request may not set `field` (see FieldDefinition.guarded): its own `guarded` when
 * given, else true for the primary key (`isKey`), a `hidden` field and a timestamp column.
 */
export function isGuarded(field: Field, isKey: boolean): boolean {
  if (field.def.guarded !== undefined) return field.def.guarded;
  return isKey || field.def.hidden === true || TIMESTAMP_COLUMNS.has(field.column.toLowerCase());
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
    case "decimal": {
      // valid input becomes its canonical text ("19.5" → "19.50"); the rest is kept for validation to report
      const parsed = decimalInput(value, field.decimal!);
      return parsed.ok ? parsed.text : value;
    }
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
  if (field.type === "decimal") {
    // the canonical text: every engine converts it to DECIMAL exactly (SQLite: to its NUMERIC affinity)
    const parsed = decimalInput(value, field.decimal!);
    return parsed.ok ? parsed.text : (value as SqlValue);
  }
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
    case "decimal":
      return decimalFromDb(Buffer.isBuffer(value) ? value.toString("utf8") : value, field.decimal!.scale) ?? String(value);
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
