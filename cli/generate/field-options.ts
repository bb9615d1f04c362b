/**
 * The options after a field's type in `generate model` / `generate crud`:
 * `email:string:unique`, `slug:string:index`, `age:int:default=0`, `bio:text:nullable`,
 * `name:string:required`. Each is checked against the field's type here, so a migration that
 * an engine would refuse is never written.
 */
import { CliError, CliErrorCode } from "../errors.js";
import { decimalInput } from "../../runtime/orm/decimal.js";

/** A column default: a literal of the field's type, or the time of the insert (`default=now`, datetime only). */
export type FieldDefault = { value: string | number | boolean } | { now: true };

export interface FieldOptions {
  required: boolean;
  /** `nullable` was written: the column is NULL explicitly (the default without `required`). */
  nullable?: true;
  /** A unique index (`unique`, or `uniq` as Rails spells it). */
  unique?: true;
  /** A plain index. */
  index?: true;
  default?: FieldDefault;
  /**
   * A foreign key (`references`, or `references=<table>`): the table whose `id` the column holds,
   * or "" when it is to be read from the field's name (`customer_id` → customers) once that is known.
   */
  references?: string;
}

type Shape = { precision: number; scale: number } | undefined;

const bad = (message: string) => new CliError(message, CliErrorCode.BAD_FIELD);

export const OPTION_NAMES = ["required", "nullable", "unique", "index", "default=<value>", "references[=<table>]"] as const;
const OPTION_HELP = `valid: ${OPTION_NAMES.join(", ")}`;

/** Types no engine can index as a whole (MySQL TEXT/JSON, Firebird BLOB, SQL Server NVARCHAR(MAX)). */
const UNINDEXABLE = new Set(["text", "json"]);
/** The largest and smallest INTEGER every engine holds (32 bits: MySQL INT, SQL Server INT, Firebird INTEGER). */
const INT_RANGE = [-2147483648, 2147483647] as const;

/**
 * Splits `text` at `separator` where it is outside parentheses and quotes, so
 * `price:decimal(10,2)` and `title:string:default="a, b: c"` stay whole.
 */
export function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `"a b"` or `'a b'` → `a b`; anything else as written. */
function unquote(name: string, text: string): { text: string; quoted: boolean } {
  const match = /^(["'])(.*)\1$/s.exec(text);
  if (match) return { text: match[2]!, quoted: true };
  if (/["']/.test(text)) throw bad(`Field "${name}": default=${text} has an unmatched quote (write default="..." or default='...')`);
  return { text, quoted: false };
}

/** The default a field's type takes from `default=<text>`, or a message saying what it takes. */
function parseDefault(name: string, type: string, raw: string, shape: Shape): FieldDefault {
  const { text, quoted } = unquote(name, raw);
  const refuse = (expected: string) => bad(`Field "${name}": default=${raw} is not ${expected}`);
  if (!quoted && text.toLowerCase() === "null") {
    throw bad(`Field "${name}": default=null is what a column without a default and without "required" already gets; leave it out (for the text "null" write default="null")`);
  }
  switch (type) {
    case "string":
    case "text":
      if (type === "string" && text.length > 255) throw bad(`Field "${name}": default is ${text.length} characters, longer than the column's 255`);
      return { value: text };
    case "int": {
      if (!/^-?\d+$/.test(text)) throw refuse("a whole number (e.g. default=0)");
      const value = Number(text);
      if (value < INT_RANGE[0] || value > INT_RANGE[1]) throw refuse(`within an INTEGER column's range (${INT_RANGE[0]} to ${INT_RANGE[1]})`);
      return { value };
    }
    case "float": {
      if (!/^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text) || !Number.isFinite(Number(text))) throw refuse("a number (e.g. default=0.5)");
      return { value: Number(text) };
    }
    case "decimal": {
      const parsed = decimalInput(text, shape!);
      if (!parsed.ok || text.trim() === "") throw refuse(`a decimal(${shape!.precision},${shape!.scale}) amount: ${parsed.ok ? "it is empty" : parsed.message}`);
      return { value: parsed.text };
    }
    case "bool": {
      const lower = text.toLowerCase();
      if (lower !== "true" && lower !== "false") throw refuse("true or false");
      return { value: lower === "true" };
    }
    case "datetime":
      if (/^(now|current_timestamp)$/i.test(text)) return { now: true };
      throw refuse("now (the time of the insert; a datetime column takes no other generated default)");
    default:
      throw bad(`Field "${name}": a ${type} field takes no default= (set one in the model: { type: "${type}", default: ... })`);
  }
}

/**
 * The options of one field (`flags`: what follows its type, a decimal's size already taken out).
 * Unknown, repeated or contradictory options, and ones the field's type cannot have on every
 * engine, are a CliError naming the field.
 */
export function parseFieldOptions(name: string, type: string, flags: readonly string[], shape: Shape): FieldOptions {
  const options: FieldOptions = { required: false };
  const seen = new Set<string>();
  for (const raw of flags) {
    const flag = raw.trim();
    const eq = flag.indexOf("=");
    const key = (eq >= 0 ? flag.slice(0, eq) : flag).toLowerCase();
    const canonical = key === "uniq" ? "unique" : key;
    if (seen.has(canonical)) throw bad(`Field "${name}" has "${canonical}" twice`);
    seen.add(canonical);
    if (eq >= 0 && canonical !== "default" && canonical !== "references") throw bad(`Field "${name}" has unknown option "${flag}" (${OPTION_HELP})`);
    switch (canonical) {
      case "required":
        options.required = true;
        break;
      case "nullable":
        options.nullable = true;
        break;
      case "unique":
        options.unique = true;
        break;
      case "index":
        options.index = true;
        break;
      case "default":
        if (eq < 0) throw bad(`Field "${name}": write its default as default=<value> (e.g. ${name}:${type}:default=${type === "bool" ? "false" : type === "string" || type === "text" ? "draft" : "0"})`);
        options.default = parseDefault(name, type, flag.slice(eq + 1), shape);
        break;
      case "references":
        options.references = eq < 0 ? "" : flag.slice(eq + 1).trim();
        break;
      default: {
        const precisionHint = type === "decimal" && /^\d+$/.test(flag) ? "; precision and scale come first: decimal:10:2" : "";
        throw bad(`Field "${name}" has unknown option "${flag}" (${OPTION_HELP}${precisionHint})`);
      }
    }
  }
  if (options.required && options.nullable) throw bad(`Field "${name}" cannot be both required (NOT NULL) and nullable: give one`);
  if (options.required && options.default !== undefined && "value" in options.default && options.default.value === "") {
    throw bad(`Field "${name}": an empty default does not satisfy required (the model refuses empty text); give a text or leave out required`);
  }
  if (options.unique && options.index) throw bad(`Field "${name}": unique already makes an index; give unique or index, not both`);
  const indexed = options.unique ? "unique" : options.index ? "index" : null;
  if (indexed && UNINDEXABLE.has(type)) {
    throw bad(`Field "${name}": a ${type} column cannot be ${indexed === "unique" ? "unique" : "indexed"} on MySQL, Firebird and SQL Server (the migration is written for every engine); use ${name}:string (VARCHAR(255)) instead`);
  }
  if (options.unique && type === "bool") throw bad(`Field "${name}": a unique bool column holds at most two rows (true and false); use index instead`);
  if (options.references !== undefined) checkReference(name, type, options.references);
  return options;
}

/** A field name that can hold a foreign key: `customer_id` or `customerId` (its relation is then `customer`). */
const KEY_NAME = /^(.*[A-Za-z0-9])(?:_id|Id)$/;

/**
 * `references` is an int column named `<thing>_id` (the key of a generated model is an INTEGER,
 * and the name gives the relation its name), pointing at a snake_case table.
 */
function checkReference(name: string, type: string, table: string): void {
  if (!KEY_NAME.test(name)) {
    throw bad(`Field "${name}": a foreign key is named after what it points at, ending in _id (e.g. ${name}_id:int:references${table ? `=${table}` : ""}), so its relation is called ${name}`);
  }
  if (type !== "int") {
    throw bad(`Field "${name}": references needs an int field (it holds the INTEGER id of the row it points at), got ${type}: write ${name}:int:references${table ? `=${table}` : ""}`);
  }
  if (table !== "" && !/^[a-z][a-z0-9_]*$/.test(table)) {
    throw bad(`Field "${name}": references=${table} must name a table in snake_case (letters, digits, "_"), e.g. references=customers`);
  }
}

/** `customer_id` → `customer`; `billingAddressId` → `billingAddress` (the name before its _id/Id). */
export function keyStem(name: string): string {
  return KEY_NAME.exec(name)?.[1] ?? name;
}
