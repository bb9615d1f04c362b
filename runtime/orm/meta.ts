/**
 * What the ORM knows about a model class (table, fields, key, soft delete), read once per
 * class, and the SQL pieces and row hydration built from it. Model (model.ts) and the relation
 * loader (eager.ts) both build on this file; it imports neither, so there is no cycle.
 */
import type { Database, Engine, Row, SqlValue } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import { ModelError, ModelErrorCode } from "./errors.js";
import { fromDb, normalizeField, type Field, type ModelFields } from "./fields.js";
import type { Model } from "./model.js";
import type { OrderBy } from "./query-options.js";

/** The column soft-delete models use; it must exist in the table (TIMESTAMP / DATETIME, nullable). */
export const DELETED_AT = "deleted_at";

/** The statics of a model class that describe its table (typeof Model, without importing it). */
export interface ModelStatics {
  readonly name: string;
  readonly prototype: object;
  tableName: string;
  fields: ModelFields;
  softDelete: boolean;
  database(): Promise<Database>;
}

export interface Meta {
  name: string;
  table: string;
  fields: Field[];
  byName: Map<string, Field>;
  pk: Field;
  softDelete: boolean;
  /** Engines whose decimal limits the fields were checked against. */
  fitsEngines: Set<Engine>;
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

const metas = new WeakMap<object, Meta>();
/** Records that exist in the database (loaded or saved); kept off the instance so JSON stays clean. */
const persisted = new WeakSet<object>();
let hydrating = false;

/** True while hydrate() constructs a record: the constructor then sets no defaults. */
export function isHydrating(): boolean {
  return hydrating;
}

export function isPersisted(record: object): boolean {
  return persisted.has(record);
}

export function setPersisted(record: object, yes: boolean): void {
  if (yes) persisted.add(record);
  else persisted.delete(record);
}

/**
 * The prototype of the root class (Model): a field named like one of its members (save, fill,
 * toJSON, constructor, ...) would be shadowed. Found by walking up, as this file cannot import
 * Model (model.ts imports this file).
 */
function rootPrototype(cls: object): object {
  let c = cls;
  while (Object.getPrototypeOf(c) !== Function.prototype && Object.getPrototypeOf(c) !== null) c = Object.getPrototypeOf(c) as object;
  return (c as { prototype: object }).prototype;
}

export function metaOf(cls: ModelStatics): Meta {
  let m = metas.get(cls);
  if (m) return m;
  const name = cls.name || "Model";
  const bad = (why: string) => new ModelError(ModelErrorCode.DEFINITION, `${name}: ${why}`);
  const table = cls.tableName;
  if (typeof table !== "string" || !TABLE.test(table)) throw bad(`static tableName must be a table name (letters, digits, _), got ${JSON.stringify(table)}`);
  const defs: ModelFields = cls.fields ?? {};
  const reserved = rootPrototype(cls);
  const fields = Object.entries(defs).map(([property, def]) => {
    if (property in reserved) throw bad(`field "${property}" clashes with a Model method; rename the property and keep the column with { column: "${property}" }`);
    return normalizeField(name, property, def);
  });
  if (fields.length === 0) throw bad("static fields is empty");
  const pks = fields.filter((f) => f.def.primaryKey);
  const pk = pks.length === 1 ? pks[0] : pks.length === 0 ? fields.find((f) => f.property === "id") : undefined;
  if (!pk) throw bad(pks.length > 1 ? "more than one primaryKey field (composite keys are not supported)" : 'no primaryKey field (mark one with primaryKey: true, or name it "id")');
  const byName = new Map<string, Field>();
  for (const f of fields) {
    byName.set(f.property, f);
    if (!byName.has(f.column)) byName.set(f.column, f);
  }
  m = { name, table, fields, byName, pk, softDelete: cls.softDelete === true, fitsEngines: new Set() };
  metas.set(cls, m);
  return m;
}

/**
 * Refuses a decimal field with more digits than `engine` keeps exactly (SQLite and SQL Server
 * 15, Firebird 18), before any value is written or read there: a silent loss of digits in
 * money is worse than an error naming the field.
 */
export function checkEngine(m: Meta, engine: Engine): void {
  if (m.fitsEngines.has(engine)) return;
  const { digits, reason } = dialectFor(engine).exactDecimal;
  for (const f of m.fields) {
    if (f.decimal !== null && f.decimal.precision > digits) {
      throw new ModelError(ModelErrorCode.DEFINITION, `${m.name}.fields.${f.property}: decimal(${f.decimal.precision},${f.decimal.scale}) has more digits than ${engine} keeps exactly (${digits}: ${reason}); use precision ${digits} or less`);
    }
  }
  m.fitsEngines.add(engine);
}

/** Quotes an identifier with the engine's dialect (which folds case as unquoted DDL does: lower on PostgreSQL, upper on Firebird). */
export function q(engine: Engine, name: string): string {
  return dialectFor(engine).quote(name);
}

/** `SELECT <every field's column> FROM <table>`. */
export function selectFrom(m: Meta, engine: Engine): string {
  return `SELECT ${m.fields.map((f) => q(engine, f.column)).join(", ")} FROM ${q(engine, m.table)}`;
}

/** A limit or offset: undefined, or a non-negative whole number (else T4_ERR_ORM_ARGUMENT). */
export function wholeCount(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new ModelError(ModelErrorCode.ARGUMENT, `${name} must be a non-negative whole number, got ${String(value)}`);
  return value;
}

export function orderClause(m: Meta, engine: Engine, orderBy: OrderBy | undefined): string {
  if (orderBy === undefined) return `${q(engine, m.pk.column)} ASC`;
  const terms = (typeof orderBy === "string" ? orderBy.split(",") : [...orderBy]).map((t) => t.trim()).filter(Boolean);
  if (terms.length === 0) return `${q(engine, m.pk.column)} ASC`;
  return terms
    .map((term) => {
      const match = /^(-)?([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i.exec(term);
      const field = match ? m.byName.get(match[2]!) : undefined;
      // A `hidden` field is no sort key: `?sort=passwordHash` would show how the secret values
      // compare (one record at a time, by where it lands), which toJSON() keeps out of answers.
      if (!match || !field || field.def.hidden === true) {
        const sortable = m.fields.filter((f) => f.def.hidden !== true).map((f) => f.property);
        throw new ModelError(ModelErrorCode.ORDER_BY, `${m.name}: cannot order by ${JSON.stringify(term)}; use a field name (${sortable.join(", ")}) with optional asc/desc or a leading "-"${field ? " (hidden fields are not sort keys)" : ""}`);
      }
      const desc = match[1] === "-" || match[3]?.toLowerCase() === "desc";
      return `${q(engine, field.column)} ${desc ? "DESC" : "ASC"}`;
    })
    .join(", ");
}

/** A record's field values by property name. */
export function values(record: object): Record<string, unknown> {
  return record as Record<string, unknown>;
}

export function condition(sql: string): string {
  return typeof sql === "string" && sql.trim() !== "" ? `(${sql})` : "1 = 1";
}

export function softFilter(m: Meta, engine: Engine, options: { withDeleted?: boolean }): string {
  return m.softDelete && !options.withDeleted ? ` AND ${q(engine, DELETED_AT)} IS NULL` : "";
}

/** The record's primary-key value; T4_ERR_ORM_NO_KEY when it was never saved. */
export function keyOf(record: Model, m: Meta): SqlValue {
  const id = values(record)[m.pk.property];
  if (!isPersisted(record) || id === undefined || id === null) {
    throw new ModelError(ModelErrorCode.NO_KEY, `${m.name}: this record has not been saved (no ${m.pk.property}); save() it first`);
  }
  return id as SqlValue;
}

/** A field's value from a row (drivers that fold column case give it lower-cased). */
export function rowValue(row: Row, f: Field, engine: Engine): unknown {
  return fromDb(f, f.column in row ? row[f.column] : row[f.column.toLowerCase()], engine);
}

/** A loaded record of `cls` from a row: no defaults applied, marked as persisted. */
export function hydrate<T extends object>(cls: new () => T, m: Meta, row: Row, engine: Engine): T {
  hydrating = true;
  let record: T;
  try {
    record = new cls();
  } finally {
    hydrating = false;
  }
  const v = values(record);
  for (const f of m.fields) v[f.property] = rowValue(row, f, engine);
  persisted.add(record);
  return record;
}
