import { Database, type Row, type SqlParams } from "../db/index.js";
import { openTransactionOn } from "../db/open-transactions.js";
import { ModelError, ModelErrorCode, ValidationError, type FieldError } from "./errors.js";
import { coerceInput, fromDb, toDb, type ModelFields } from "./fields.js";
import { validateFields } from "./validation.js";
import {
  DELETED_AT, checkEngine, condition, hydrate, isHydrating, isPersisted, keyOf, metaOf, orderClause, q, rowValue, selectFrom, setPersisted, softFilter,
  values, wholeCount, type Meta,
} from "./meta.js";
import { checkRelations, loadRelations, relationNames, type RelatingClass } from "./eager.js";
import { pageMeta, pageWindow, type PaginateOptions, type Page } from "./paginate.js";
import type { CountOptions, QueryOptions, WithRelations } from "./query-options.js";
import type { Loaded, RelatedValue, RelationMap, RelationName } from "./relations.js";

export { DELETED_AT } from "./meta.js";
export type { CountOptions, QueryOptions } from "./query-options.js";

/** A primary-key value. */
export type PrimaryKeyValue = number | string | bigint;

/** The class side of a model, typed so statics return the subclass: `Product.find(1)` → `Product | null`. */
export type ModelClass<T extends Model> = (new () => T) & typeof Model;

/** Options of find(): withDeleted, and the relations to load with the record. */
export interface FindOptions<K extends string = string> extends CountOptions, WithRelations<K> {}

/** Options of where() and all(): paging, order, withDeleted, and the relations to load. */
export interface WhereOptions<K extends string = string> extends QueryOptions, WithRelations<K> {}

/** Options that load relations: `with` names at least the relations to load (typed from the class's `static relations`). */
export interface Loading<K extends string> {
  with: readonly K[];
}

/** Options without `with`: the record type is the class's own, also for code generic over `ModelClass<T>`. */
export interface NotLoading {
  with?: undefined;
}

/** A record of the model class `C` with the relations `K` loaded (typed from `C.relations`). */
export type RecordOf<C extends ModelClass<Model>, K extends string = never> = Loaded<InstanceType<C>, C, K>;

let shared: Promise<Database> | null = null;

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
  /**
   * Relation name → belongsTo / hasMany / hasOne (relations.ts): loaded with `{ with: [...] }`,
   * `Model.load(records, ...)` or `record.related(name)`, one query per relation.
   */
  static relations: RelationMap = {};

  /** A new (unsaved) record; `data` is applied with fill(). Field defaults are set first. */
  constructor(data?: unknown) {
    if (isHydrating()) return;
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

  /** The record with this primary key, or null (soft-deleted records count as missing); `with` loads relations. */
  static find<T extends Model>(this: ModelClass<T>, id: PrimaryKeyValue, options?: CountOptions & NotLoading): Promise<T | null>;
  static find<C extends ModelClass<Model>, const K extends RelationName<C>>(this: C, id: PrimaryKeyValue, options: FindOptions<K> & Loading<K>): Promise<RecordOf<C, K> | null>;
  static async find(this: ModelClass<Model>, id: PrimaryKeyValue, options: FindOptions = {}): Promise<Model | null> {
    const m = metaOf(this);
    const names = options.with ?? [];
    checkRelations(this as unknown as RelatingClass, names);
    if (id === null || id === undefined) return null;
    if (m.pk.type === "int") {
      const n = typeof id === "string" && /^\s*-?\d+\s*$/.test(id) ? Number(id) : id;
      if (typeof n !== "bigint" && !Number.isSafeInteger(n)) return null;
      id = n;
    }
    const db = await this.database();
    const e = db.engine;
    checkEngine(m, e);
    const row = await db.fetchOne(`${selectFrom(m, e)} WHERE ${q(e, m.pk.column)} = ?${softFilter(m, e, options)}`, [id]);
    if (!row) return null;
    const record = hydrate(this, m, row, e);
    if (names.length > 0) await loadRelations(this as unknown as RelatingClass, [record], names);
    return record;
  }

  /** Records matching `sql` (a WHERE condition with `?` placeholders), paged and ordered; `with` loads relations. */
  static where<T extends Model>(this: ModelClass<T>, sql: string, params?: SqlParams, options?: QueryOptions & NotLoading): Promise<T[]>;
  static where<C extends ModelClass<Model>, const K extends RelationName<C>>(this: C, sql: string, params: SqlParams, options: WhereOptions<K> & Loading<K>): Promise<Array<RecordOf<C, K>>>;
  static async where(this: ModelClass<Model>, sql: string, params: SqlParams = [], options: WhereOptions = {}): Promise<Model[]> {
    const m = metaOf(this);
    const limit = wholeCount("limit", options.limit);
    const offset = wholeCount("offset", options.offset) ?? 0;
    const names = options.with ?? [];
    checkRelations(this as unknown as RelatingClass, names);
    const db = await this.database();
    const e = db.engine;
    checkEngine(m, e);
    const order = orderClause(m, e, options.orderBy);
    let text = `${selectFrom(m, e)} WHERE ${condition(sql)}${softFilter(m, e, options)} ORDER BY ${order}`;
    if (limit !== undefined) {
      if (limit === 0) return [];
      text += ` LIMIT ${limit} OFFSET ${offset}`;
    }
    const result = await db.fetch(text, params, limit === undefined && offset > 0 ? { offset } : {});
    const records = result.records.map((row) => hydrate(this, m, row, e));
    if (names.length > 0 && records.length > 0) await loadRelations(this as unknown as RelatingClass, records, names);
    return records;
  }

  /** Every record (one page with limit/offset), ordered by the primary key unless orderBy says otherwise. */
  static all<T extends Model>(this: ModelClass<T>, options?: QueryOptions & NotLoading): Promise<T[]>;
  static all<C extends ModelClass<Model>, const K extends RelationName<C>>(this: C, options: WhereOptions<K> & Loading<K>): Promise<Array<RecordOf<C, K>>>;
  static all(this: ModelClass<Model>, options: WhereOptions = {}): Promise<Model[]> {
    return whereOf(this)("", [], options);
  }

  /**
   * One page of the records matching `where` (all when omitted): `{ data, meta: { page, perPage,
   * total, lastPage } }` from one COUNT and one page query (none past the last page), plus one
   * query per relation in `with`. `page`/`perPage` may be query values (`req.query.page`); a bad
   * one, or perPage over `maxPerPage` (100), is a PaginationError (HTTP 400).
   */
  static paginate<T extends Model>(this: ModelClass<T>, options?: PaginateOptions & NotLoading): Promise<Page<T>>;
  static paginate<C extends ModelClass<Model>, const K extends RelationName<C>>(this: C, options: PaginateOptions<K> & Loading<K>): Promise<Page<RecordOf<C, K>>>;
  static async paginate(this: ModelClass<Model>, options: PaginateOptions = {}): Promise<Page<Model>> {
    const { page, perPage, offset } = pageWindow(options);
    const m = metaOf(this);
    checkRelations(this as unknown as RelatingClass, options.with ?? []);
    const db = await this.database();
    orderClause(m, db.engine, options.orderBy); // a bad orderBy fails before the COUNT runs
    const sql = options.where ?? "";
    const params = options.params ?? [];
    const total = await this.count(sql, params, options);
    const data = offset >= total ? [] : await whereOf(this)(sql, params, { orderBy: options.orderBy, withDeleted: options.withDeleted, with: options.with, limit: perPage, offset });
    return { data, meta: pageMeta(page, perPage, total) };
  }

  /**
   * Loads relations onto records of this model already in hand (one query per relation for all
   * of them) and returns them, typed with the relations: `await Order.load(orders, "lines")`.
   */
  static async load<C extends ModelClass<Model>, const K extends RelationName<C>>(this: C, records: ReadonlyArray<InstanceType<C>>, ...names: K[]): Promise<Array<RecordOf<C, K>>> {
    for (const record of records) {
      if (!(record instanceof this)) throw new ModelError(ModelErrorCode.ARGUMENT, `${this.name}.load(): every record must be a ${this.name}, got ${describeValue(record)}`);
    }
    if (records.length > 0) await loadRelations(this as unknown as RelatingClass, records, names);
    else checkRelations(this as unknown as RelatingClass, names);
    return records as Array<RecordOf<C, K>>;
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
    return !isPersisted(this);
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
      setPersisted(this, true);
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
    setPersisted(this, false);
    return r.affected > 0;
  }

  /** Soft-delete models: clears deleted_at so the record is found again. */
  async restore(): Promise<boolean> {
    const m = metaOf(this.constructor as typeof Model);
    if (!m.softDelete) throw new ModelError(ModelErrorCode.ARGUMENT, `${m.name} does not use soft delete (static softDelete = true)`);
    return setDeleted(this, m, null);
  }

  /**
   * The relation `name` (declared in `static relations`): the loaded value when it was loaded
   * (`with`, `Model.load`, an earlier call), else one query, kept on the record from then on.
   * Typed by the record's own declaration of the property (`declare lines?: OrderLine[]`).
   */
  async related<K extends string>(name: K): Promise<RelatedValue<this, K>> {
    const cls = this.constructor as unknown as RelatingClass;
    const v = values(this);
    // undefined is "not loaded" (a property written without `declare` is an own undefined)
    if (v[name] === undefined || !relationNames(cls).includes(name)) await loadRelations(cls, [this], [name]);
    return v[name] as RelatedValue<this, K>;
  }

  /**
   * Field values by property name (camelCase), for res.json(record); `hidden` fields are left
   * out. Relations are included only once loaded (`with`, `load`, `related`), each as its
   * records' own toJSON() (an array for hasMany, null for a missing record).
   */
  toJSON(): Record<string, unknown> {
    const cls = this.constructor as typeof Model;
    const m = metaOf(cls);
    const v = values(this);
    const out: Record<string, unknown> = {};
    for (const f of m.fields) if (f.def.hidden !== true) out[f.property] = v[f.property] ?? null;
    for (const name of relationNames(cls)) if (v[name] !== undefined) out[name] = relatedJson(v[name]);
    return out;
  }
}

/** `cls.where` bound to `cls` (a subclass may override it; all() and paginate() go through it). */
function whereOf(cls: ModelClass<Model>): (sql: string, params: SqlParams, options: WhereOptions) => Promise<Model[]> {
  return (cls.where as unknown as (this: ModelClass<Model>, sql: string, params: SqlParams, options: WhereOptions) => Promise<Model[]>).bind(cls);
}

/** A loaded relation's JSON: records as their toJSON(), arrays of them, null. */
function relatedJson(value: unknown): unknown {
  if (value instanceof Model) return value.toJSON();
  if (Array.isArray(value)) return value.map(relatedJson);
  return value ?? null;
}

function describeValue(value: unknown): string {
  return typeof value === "object" && value !== null ? (value.constructor?.name ?? "an object") : String(value);
}

/**
 * Whether a record property named `name` would shadow a member every record has (save, fill,
 * isNew, toJSON, ... and Object's own: constructor, toString, ...), so it cannot be a field.
 */
export function isModelMember(name: string): boolean {
  return name in Model.prototype;
}

// Helpers of the instance methods live outside the class, so no record member hides a field name (key, ...).
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
  for (const f of omitted) v[f.property] = rowValue(row, f, e);
}
