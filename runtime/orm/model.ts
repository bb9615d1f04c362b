import { Database, type Engine, type Row, type SqlParams, type SqlValue } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import { openTransactionOn } from "../db/open-transactions.js";
import { ModelError, ModelErrorCode, ValidationError, type FieldError } from "./errors.js";
import { coerceInput, fromDb, normalizeField, toDb, type Field, type ModelFields } from "./fields.js";
import { validateFields } from "./validation.js";

/** A primary-key value. */
export type PrimaryKeyValue = number | string | bigint;

/** Options of where() and all(). */
export interface QueryOptions {
  /** Page size (a non-negative whole number). */
  limit?: number;
  /** Rows to skip. */
  offset?: number;
  /** Fields (property or column names): "name", "name desc", "-createdAt", or a list. Default: the primary key. */
  orderBy?: string | readonly string[];
  /** Soft-delete models: include deleted records too. */
  withDeleted?: boolean;
}

export interface CountOptions {
  withDeleted?: boolean;
}

/** The class side of a model, typed so statics return the subclass: `Product.find(1)` → `Product | null`. */
export type ModelClass<T extends Model> = (new () => T) & typeof Model;

/** The column soft-delete models use; it must exist in the table (TIMESTAMP / DATETIME, nullable). */
export const DELETED_AT = "deleted_at";

interface Meta {
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
const persisted = new WeakSet<Model>();
let hydrating = false;
let shared: Promise<Database> | null = null;

function metaOf(cls: typeof Model): Meta {
  let m = metas.get(cls);
  if (m) return m;
  const name = cls.name || "Model";
  const bad = (why: string) => new ModelError(ModelErrorCode.DEFINITION, `${name}: ${why}`);
  const table = cls.tableName;
  if (typeof table !== "string" || !TABLE.test(table)) throw bad(`static tableName must be a table name (letters, digits, _), got ${JSON.stringify(table)}`);
  const defs: ModelFields = cls.fields ?? {};
  const fields = Object.entries(defs).map(([property, def]) => {
    if (isModelMember(property)) throw bad(`field "${property}" clashes with a Model method; rename the property and keep the column with { column: "${property}" }`);
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
function checkEngine(m: Meta, engine: Engine): void {
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
function q(engine: Engine, name: string): string {
  return dialectFor(engine).quote(name);
}

function count(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new ModelError(ModelErrorCode.ARGUMENT, `${name} must be a non-negative whole number, got ${String(value)}`);
  return value;
}

function orderClause(m: Meta, engine: Engine, orderBy: QueryOptions["orderBy"]): string {
  if (orderBy === undefined) return `${q(engine, m.pk.column)} ASC`;
  const terms = (typeof orderBy === "string" ? orderBy.split(",") : [...orderBy]).map((t) => t.trim()).filter(Boolean);
  if (terms.length === 0) return `${q(engine, m.pk.column)} ASC`;
  return terms
    .map((term) => {
      const match = /^(-)?([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i.exec(term);
      const field = match ? m.byName.get(match[2]!) : undefined;
      if (!match || !field) {
        throw new ModelError(ModelErrorCode.ORDER_BY, `${m.name}: cannot order by ${JSON.stringify(term)}; use a field name (${m.fields.map((f) => f.property).join(", ")}) with optional asc/desc or a leading "-"`);
      }
      const desc = match[1] === "-" || match[3]?.toLowerCase() === "desc";
      return `${q(engine, field.column)} ${desc ? "DESC" : "ASC"}`;
    })
    .join(", ");
}

function values(record: Model): Record<string, unknown> {
  return record as unknown as Record<string, unknown>;
}

/**
 * Base class of every model. A subclass names its table and fields; records are plain objects
 * with one property per field:
 *
 * ```ts
 * export default class Product extends Model {
 *   static tableName = "products";
 *   static fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, name: { type: "string", required: true } };
 *   declare id: number;
 *   declare name: string;
 * }
 * ```
 */
export class Model {
  /** The table (or `schema.table`). */
  static tableName: string;
  /** Property → field definition. */
  static fields: ModelFields = {};
  /** When true, delete() sets `deleted_at` and queries skip deleted records. */
  static softDelete = false;
  /** This model's database; defaults to the shared connection to TINA4_DATABASE_URL. */
  static db: Database | undefined = undefined;

  /** A new (unsaved) record; `data` is applied with fill(). Field defaults are set first. */
  constructor(data?: unknown) {
    if (hydrating) return;
    const m = metaOf(new.target as typeof Model);
    const v = values(this);
    for (const f of m.fields) {
      if (f.def.default !== undefined) {
        const d = f.def.default;
        const value = typeof d === "function" ? (d as () => unknown)() : structuredClone(d);
        // a decimal default ("0", 0) is held as the canonical text ("0.00") like any filled value
        v[f.property] = f.decimal !== null ? coerceInput(f, value) : value;
      }
    }
    if (data !== undefined) this.fill(data);
  }

  // ───────────────────────────── database ─────────────────────────────

  /** Uses `db` for this model and its subclasses (`Model.useDatabase(db)` → every model). */
  static useDatabase(this: typeof Model, db: Database): void {
    this.db = db;
  }

  /**
   * The model's database: its own `db`, else one shared connection opened lazily from
   * TINA4_DATABASE_URL — or, when the calling code runs inside a transaction opened on another
   * `Database` of that same database (`db.transaction(fn)` in a route), that `Database`, so the
   * model's reads and writes are part of the transaction.
   */
  static database(this: typeof Model): Promise<Database> {
    const joined = openTransactionOn(this.db);
    if (joined !== undefined) return Promise.resolve(joined);
    if (this.db) return Promise.resolve(this.db);
    if (shared === null) {
      const opening = Database.connect();
      shared = opening;
      // graceful shutdown releases it (Database.connect registers that) and its next query
      // reopens it: a later testClient() in this process finds the models working
      opening.catch(() => {
        if (shared === opening) shared = null;
      });
    }
    return shared;
  }

  /** Closes the shared connection opened by database() (scripts call this to let the process exit). */
  static async closeDatabase(): Promise<void> {
    const open = shared;
    shared = null;
    if (open) await (await open).close();
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** The record with this primary key, or null (soft-deleted records count as missing). */
  static async find<T extends Model>(this: ModelClass<T>, id: PrimaryKeyValue, options: CountOptions = {}): Promise<T | null> {
    const m = metaOf(this);
    if (id === null || id === undefined) return null;
    if (m.pk.type === "int") {
      const n = typeof id === "string" && /^\s*-?\d+\s*$/.test(id) ? Number(id) : id;
      if (typeof n !== "bigint" && !Number.isSafeInteger(n)) return null;
      id = n;
    }
    const db = await this.database();
    const e = db.engine;
    checkEngine(m, e);
    const sql = `SELECT ${m.fields.map((f) => q(e, f.column)).join(", ")} FROM ${q(e, m.table)} WHERE ${q(e, m.pk.column)} = ?${softFilter(m, e, options)}`;
    const row = await db.fetchOne(sql, [id]);
    return row ? hydrate<T>(this, m, row, e) : null;
  }

  /** Records matching `sql` (a WHERE condition with `?` placeholders), paged and ordered. */
  static async where<T extends Model>(this: ModelClass<T>, sql: string, params: SqlParams = [], options: QueryOptions = {}): Promise<T[]> {
    const m = metaOf(this);
    const limit = count("limit", options.limit);
    const offset = count("offset", options.offset) ?? 0;
    const db = await this.database();
    const e = db.engine;
    checkEngine(m, e);
    const order = orderClause(m, e, options.orderBy);
    let text = `SELECT ${m.fields.map((f) => q(e, f.column)).join(", ")} FROM ${q(e, m.table)} WHERE ${condition(sql)}${softFilter(m, e, options)} ORDER BY ${order}`;
    if (limit !== undefined) {
      if (limit === 0) return [];
      text += ` LIMIT ${limit} OFFSET ${offset}`;
    }
    const result = await db.fetch(text, params, limit === undefined && offset > 0 ? { offset } : {});
    return result.records.map((row) => hydrate<T>(this, m, row, e));
  }

  /** Every record (one page with limit/offset), ordered by the primary key unless orderBy says otherwise. */
  static all<T extends Model>(this: ModelClass<T>, options: QueryOptions = {}): Promise<T[]> {
    return (this.where as (this: ModelClass<T>, sql: string, params: SqlParams, options: QueryOptions) => Promise<T[]>).call(this, "", [], options);
  }

  /** How many records match `sql` (all when omitted). */
  static async count(this: typeof Model, sql = "", params: SqlParams = [], options: CountOptions = {}): Promise<number> {
    const m = metaOf(this);
    const db = await this.database();
    const e = db.engine;
    const row = await db.fetchOne(`SELECT COUNT(*) AS n FROM ${q(e, m.table)} WHERE ${condition(sql)}${softFilter(m, e, options)}`, params);
    return Number(row?.n ?? 0);
  }

  /**
   * Validates and inserts a new record from `data` (e.g. a request body): known fields only;
   * the primary key is taken from `data` only when the database does not generate it.
   */
  static async create<T extends Model>(this: ModelClass<T>, data: unknown): Promise<T> {
    const m = metaOf(this);
    const record = new (this as new () => T)();
    record.fill(data);
    if (!m.pk.def.autoIncrement && isObject(data)) {
      const given = data[m.pk.property] ?? data[m.pk.column];
      if (given !== undefined) values(record)[m.pk.property] = coerceInput(m.pk, given);
    }
    await record.save();
    return record;
  }

  // ───────────────────────────── instance ─────────────────────────────

  /** True until the record has been inserted (or when it was not loaded from the database). */
  get isNew(): boolean {
    return !persisted.has(this);
  }

  /**
   * Copies known fields from `data` (property or column names), converting lossless inputs
   * ("12" → 12, "true" → true, ISO text → Date). Unknown keys and the primary key are ignored.
   * Not an object → ValidationError.
   */
  fill(data: unknown): this {
    if (!isObject(data)) throw new ValidationError([{ field: "*", message: "must be an object of field values" }], this.constructor.name);
    const m = metaOf(this.constructor as typeof Model);
    const v = values(this);
    for (const f of m.fields) {
      if (f === m.pk) continue;
      const raw = Object.hasOwn(data, f.property) ? data[f.property] : f.column !== f.property && Object.hasOwn(data, f.column) ? data[f.column] : undefined;
      if (raw !== undefined) v[f.property] = coerceInput(f, raw);
    }
    return this;
  }

  /** Every failing field with a message; empty when the record is valid. */
  validate(): FieldError[] {
    const m = metaOf(this.constructor as typeof Model);
    return validateFields(m.fields, values(this), this.isNew);
  }

  /** Inserts (new) or updates (loaded) the record; throws ValidationError before touching the database. */
  async save(): Promise<this> {
    const cls = this.constructor as typeof Model;
    const m = metaOf(cls);
    const errors = this.validate();
    if (errors.length > 0) throw new ValidationError(errors, m.name);
    const db = await cls.database();
    checkEngine(m, db.engine);
    const v = values(this);
    const pk = m.pk;
    // a decimal set directly (p.price = 19.5) is held as its canonical text from now on, as it is stored
    for (const f of m.fields) if (f.decimal !== null && v[f.property] !== undefined && v[f.property] !== null) v[f.property] = toDb(f, v[f.property]);
    if (this.isNew) {
      if ((v[pk.property] === undefined || v[pk.property] === null) && !pk.def.autoIncrement && pk.type === "int") {
        v[pk.property] = await db.getNextId(m.table, pk.column);
      }
      const row: Row = {};
      for (const f of m.fields) {
        const value = v[f.property];
        if (value === undefined || (f === pk && value === null)) continue;
        row[f.column] = toDb(f, value);
      }
      const result = await db.insert(m.table, row);
      if ((v[pk.property] === undefined || v[pk.property] === null) && result.lastId !== null) v[pk.property] = fromDb(pk, result.lastId, db.engine);
      persisted.add(this);
      await readOmitted(this, m, db);
      return this;
    }
    const id = keyOf(this, m);
    const row: Row = {};
    for (const f of m.fields) {
      if (f === pk || v[f.property] === undefined) continue;
      row[f.column] = toDb(f, v[f.property]);
    }
    if (Object.keys(row).length > 0) await db.update(m.table, row, { [pk.column]: id });
    return this;
  }

  /** Deletes the record (soft-delete models: sets deleted_at). Resolves true when a row changed. */
  async delete(): Promise<boolean> {
    const cls = this.constructor as typeof Model;
    const m = metaOf(cls);
    if (m.softDelete) return setDeleted(this, m, new Date());
    return this.forceDelete();
  }

  /** Removes the row even for soft-delete models. */
  async forceDelete(): Promise<boolean> {
    const cls = this.constructor as typeof Model;
    const m = metaOf(cls);
    const id = keyOf(this, m);
    const db = await cls.database();
    const r = await db.delete(m.table, { [m.pk.column]: id });
    persisted.delete(this);
    return r.affected > 0;
  }

  /** Soft-delete models: clears deleted_at so the record is found again. */
  async restore(): Promise<boolean> {
    const m = metaOf(this.constructor as typeof Model);
    if (!m.softDelete) throw new ModelError(ModelErrorCode.ARGUMENT, `${m.name} does not use soft delete (static softDelete = true)`);
    return setDeleted(this, m, null);
  }

  /** Field values by property name (camelCase), for res.json(record); `hidden` fields are left out. */
  toJSON(): Record<string, unknown> {
    const m = metaOf(this.constructor as typeof Model);
    const v = values(this);
    const out: Record<string, unknown> = {};
    for (const f of m.fields) if (f.def.hidden !== true) out[f.property] = v[f.property] ?? null;
    return out;
  }
}

/**
 * Whether a record property named `name` would shadow a member every record has (save, fill,
 * isNew, toJSON, ... and Object's own: constructor, toString, ...), so it cannot be a field.
 */
export function isModelMember(name: string): boolean {
  return name in Model.prototype;
}

// Helpers of the instance methods live outside the class, so no record member hides a field name (key, ...).
function keyOf(record: Model, m: Meta): SqlValue {
  const id = values(record)[m.pk.property];
  if (record.isNew || id === undefined || id === null) {
    throw new ModelError(ModelErrorCode.NO_KEY, `${m.name}: this record has not been saved (no ${m.pk.property}); save() it first`);
  }
  return id as SqlValue;
}

async function setDeleted(record: Model, m: Meta, at: Date | null): Promise<boolean> {
  const cls = record.constructor as typeof Model;
  const id = keyOf(record, m);
  const db = await cls.database();
  const r = await db.update(m.table, { [DELETED_AT]: at }, { [m.pk.column]: id });
  return r.affected > 0;
}

function isObject(data: unknown): data is Record<string, unknown> {
  return data !== null && typeof data === "object" && !Array.isArray(data) && !(data instanceof Date) && !Buffer.isBuffer(data);
}

function condition(sql: string): string {
  return typeof sql === "string" && sql.trim() !== "" ? `(${sql})` : "1 = 1";
}

function softFilter(m: Meta, engine: Engine, options: CountOptions): string {
  return m.softDelete && !options.withDeleted ? ` AND ${q(engine, DELETED_AT)} IS NULL` : "";
}

/**
 * Fields a new record's INSERT left out get what the database stored (a column DEFAULT, a
 * trigger), so the record (and the 201 answer of a create route) shows `qty: 0`, not null.
 */
async function readOmitted(record: Model, m: Meta, db: Database): Promise<void> {
  const v = values(record);
  const omitted = m.fields.filter((f) => f !== m.pk && v[f.property] === undefined);
  if (omitted.length === 0 || v[m.pk.property] === undefined || v[m.pk.property] === null) return;
  const e = db.engine;
  const sql = `SELECT ${omitted.map((f) => q(e, f.column)).join(", ")} FROM ${q(e, m.table)} WHERE ${q(e, m.pk.column)} = ?`;
  const row = await db.fetchOne(sql, [keyOf(record, m)], { cache: false });
  if (row === null) return;
  for (const f of omitted) v[f.property] = fromDb(f, f.column in row ? row[f.column] : row[f.column.toLowerCase()], e);
}

function hydrate<T extends Model>(cls: new () => T, m: Meta, row: Row, engine: Engine): T {
  hydrating = true;
  let record: T;
  try {
    record = new cls();
  } finally {
    hydrating = false;
  }
  const v = values(record);
  for (const f of m.fields) {
    const raw = f.column in row ? row[f.column] : row[f.column.toLowerCase()];
    v[f.property] = fromDb(f, raw, engine);
  }
  persisted.add(record);
  return record;
}
