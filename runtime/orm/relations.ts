/**
 * Relations a model declares in `static relations`, and the types that put loaded relations on
 * the records:
 *
 * ```ts
 * static relations = {
 *   customer: belongsTo(() => Customer, "customerId"),   // orders.customer_id → customers.id
 *   lines: hasMany(() => OrderLine, "orderId"),          // order_lines.order_id → orders.id
 * };
 * ```
 *
 * The class is given as a function, read when the relation is first loaded: model files that
 * import each other (Order ↔ Customer) then load in any order. Loading is in eager.ts.
 */
import type { Model } from "./model.js";
import type { OrderBy } from "./query-options.js";

export type RelationKind = "belongsTo" | "hasMany" | "hasOne";

/** The related model's class as a relation names it (read lazily). */
export type RelatedClass<M extends Model> = new () => M;

/** A relation to records of `M` (made by belongsTo, hasMany or hasOne). */
export interface Relation<M extends Model = Model> {
  readonly kind: RelationKind;
  readonly target: () => RelatedClass<M>;
  /** belongsTo: the field of this model holding the key; hasMany/hasOne: the field of `M` holding this model's key. */
  readonly foreignKey: string;
  /** The field the foreign key points at: belongsTo, a field of `M`; hasMany/hasOne, a field of this model. Default: the primary key. */
  readonly key: string | undefined;
  /** hasMany/hasOne: the order of the related records (a field of `M`). Default: `M`'s primary key. */
  readonly orderBy: OrderBy | undefined;
}

/** The record this one points at through its foreign key (`order.customer`): `M | null`. */
export interface BelongsTo<M extends Model> extends Relation<M> {
  readonly kind: "belongsTo";
}

/** The records pointing at this one (`order.lines`): `M[]`. */
export interface HasMany<M extends Model> extends Relation<M> {
  readonly kind: "hasMany";
}

/** The one record pointing at this one (`user.profile`): `M | null` (the first by `orderBy` if there are more). */
export interface HasOne<M extends Model> extends Relation<M> {
  readonly kind: "hasOne";
}

export interface BelongsToOptions {
  /** The field of the related model the foreign key holds. Default: its primary key. */
  key?: string;
}

export interface HasManyOptions {
  /** The field of this model the related foreign key holds. Default: this model's primary key. */
  key?: string;
  /** Order of the related records (fields of the related model, as in where()). Default: its primary key. */
  orderBy?: OrderBy;
}

/** What `static relations` holds: relation name → relation. */
export type RelationMap = Readonly<Record<string, Relation>>;

const made = new WeakSet<object>();

function relation<M extends Model, R extends Relation<M>>(kind: R["kind"], target: () => RelatedClass<M>, foreignKey: string, key: string | undefined, orderBy: OrderBy | undefined): R {
  const r = Object.freeze({ kind, target, foreignKey, key, orderBy }) as R;
  made.add(r);
  return r;
}

/**
 * This model holds the key of one `M` in `foreignKey` (a field of this model):
 * `belongsTo(() => Customer, "customerId")` → `order.customer` is a `Customer` or null.
 */
export function belongsTo<M extends Model>(target: () => RelatedClass<M>, foreignKey: string, options: BelongsToOptions = {}): BelongsTo<M> {
  return relation<M, BelongsTo<M>>("belongsTo", target, foreignKey, options.key, undefined);
}

/**
 * Records of `M` hold this model's key in `foreignKey` (a field of `M`):
 * `hasMany(() => OrderLine, "orderId")` → `order.lines` is an `OrderLine[]` (empty when none).
 */
export function hasMany<M extends Model>(target: () => RelatedClass<M>, foreignKey: string, options: HasManyOptions = {}): HasMany<M> {
  return relation<M, HasMany<M>>("hasMany", target, foreignKey, options.key, options.orderBy);
}

/**
 * One record of `M` holds this model's key in `foreignKey` (a field of `M`):
 * `hasOne(() => Profile, "userId")` → `user.profile` is a `Profile` or null.
 */
export function hasOne<M extends Model>(target: () => RelatedClass<M>, foreignKey: string, options: HasManyOptions = {}): HasOne<M> {
  return relation<M, HasOne<M>>("hasOne", target, foreignKey, options.key, options.orderBy);
}

/** Whether `value` was made by belongsTo, hasMany or hasOne. */
export function isRelation(value: unknown): value is Relation {
  return typeof value === "object" && value !== null && made.has(value);
}

// ───────────────────────────── types of loaded records ─────────────────────────────

/** The value a loaded relation has on a record: `M[]` for hasMany, else `M | null`. */
export type RelationValue<R> = R extends HasMany<infer M> ? M[] : R extends Relation<infer M> ? M | null : never;

/** The `static relations` of a model class. */
export type RelationsOf<C> = C extends { relations: infer R } ? R : never;

/** The relation names a model class declares (what `with` and `related()` accept). */
export type RelationName<C> = Extract<keyof RelationsOf<C>, string>;

/** A record of `T` (a model of class `C`) with the relations `K` loaded, typed. */
export type Loaded<T, C, K extends string> = [K] extends [never] ? T : T & { [P in K]: RelationValue<RelationsOf<C>[P & keyof RelationsOf<C>]> };

/**
 * What `record.related(name)` resolves to: the type the record declares for that property
 * (`declare lines?: OrderLine[]`, without the `undefined` of "not loaded yet"), else unknown.
 */
export type RelatedValue<T, K extends string> = K extends keyof T ? Exclude<T[K], undefined> : unknown;
