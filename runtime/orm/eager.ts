/**
 * Loads relations (relations.ts) onto records: per relation ONE query for all the records
 * (`WHERE <key column> IN (?, ?, …)`), never one per record — more only when the distinct keys
 * are more than the engine binds in one statement (Dialect.maxParams: Firebird 1000, SQL
 * Server 2000, SQLite 32000, PostgreSQL and MySQL 65000), then one per chunk of that size.
 * Soft-deleted related records are left out, as in every query of their model.
 */
import type { Engine, SqlValue } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import { ModelError, ModelErrorCode } from "./errors.js";
import { toDb, type Field } from "./fields.js";
import { checkEngine, hydrate, metaOf, orderClause, q, selectFrom, softFilter, values, type Meta, type ModelStatics } from "./meta.js";
import type { Model } from "./model.js";
import { isRelation, type Relation, type RelationKind, type RelationMap } from "./relations.js";

/** A model class as the loader uses it: its table statics, its relations, and a constructor. */
export type RelatingClass = ModelStatics & { relations: RelationMap } & (new () => Model);

/** A relation checked against both models: which field of each side holds the matching key. */
interface Resolved {
  kind: RelationKind;
  target: RelatingClass;
  targetMeta: Meta;
  /** The owner's field whose values are looked up. */
  ownerField: Field;
  /** The related model's field matched against them. */
  targetField: Field;
  orderBy: Relation["orderBy"];
}

const resolved = new WeakMap<object, Map<string, Resolved>>();

function relationError(message: string): ModelError {
  return new ModelError(ModelErrorCode.RELATION, message);
}

/** The names `cls` declares in `static relations` (in declaration order). */
export function relationNames(cls: { relations?: unknown }): string[] {
  const map = cls.relations;
  if (typeof map !== "object" || map === null) return [];
  return Object.keys(map).filter((name) => isRelation((map as Record<string, unknown>)[name]));
}

function fieldOf(m: Meta, name: string, where: string): Field {
  const f = m.byName.get(name);
  if (f === undefined) throw relationError(`${where}: ${m.name} has no field "${name}" (its fields: ${m.fields.map((x) => x.property).join(", ")})`);
  return f;
}

/** The relation `name` of `cls`, checked once (on first load, when the related class is read). */
function resolve(cls: RelatingClass, name: string): Resolved {
  let byName = resolved.get(cls);
  const hit = byName?.get(name);
  if (hit !== undefined) return hit;
  const owner = metaOf(cls);
  const map = cls.relations as Record<string, unknown> | undefined;
  const known = relationNames(cls);
  const r = typeof map === "object" && map !== null && Object.hasOwn(map, name) ? map[name] : undefined;
  if (r === undefined) {
    throw relationError(`${owner.name} has no relation "${name}" (${known.length > 0 ? `its relations: ${known.join(", ")}` : "it declares no static relations"})`);
  }
  const where = `${owner.name}.relations.${name}`;
  if (!isRelation(r)) throw relationError(`${where} must be made with belongsTo(), hasMany() or hasOne()`);
  if (owner.byName.get(name)?.property === name) throw relationError(`${where}: a field of ${owner.name} has the same name; rename the relation`);
  if (name in cls.prototype) throw relationError(`${where}: the name is a method of every record (${name}); rename the relation`);
  const target = r.target() as unknown;
  if (typeof target !== "function" || typeof (target as { database?: unknown }).database !== "function") {
    throw relationError(`${where}: its class function returned ${String(target)}, not a model class (is an import missing, or still loading? write () => Customer)`);
  }
  const t = target as RelatingClass;
  const tm = metaOf(t);
  const belongs = r.kind === "belongsTo";
  const ownerField = belongs ? fieldOf(owner, r.foreignKey, where) : r.key !== undefined ? fieldOf(owner, r.key, where) : owner.pk;
  const targetField = belongs ? (r.key !== undefined ? fieldOf(tm, r.key, where) : tm.pk) : fieldOf(tm, r.foreignKey, where);
  const out: Resolved = { kind: r.kind, target: t, targetMeta: tm, ownerField, targetField, orderBy: r.orderBy };
  if (byName === undefined) resolved.set(cls, (byName = new Map()));
  byName.set(name, out);
  return out;
}

/** Keys compare by their text: a key read as a number on one side and as a bigint or text on the other still matches. */
function keyText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Checks every name before any query runs, so a typo costs no query. */
export function checkRelations(cls: RelatingClass, names: readonly string[]): void {
  for (const name of names) resolve(cls, name);
}

/**
 * Loads the relations `names` of `cls` onto `records` (instances of `cls`): each record gets an
 * own property per relation — a record or null (belongsTo, hasOne), an array (hasMany).
 */
export async function loadRelations(cls: RelatingClass, records: readonly Model[], names: readonly string[]): Promise<void> {
  const unique = [...new Set(names)];
  checkRelations(cls, unique);
  for (const name of unique) await loadOne(name, resolve(cls, name), records);
}

async function loadOne(name: string, r: Resolved, records: readonly Model[]): Promise<void> {
  const keys = new Map<string, SqlValue>();
  for (const record of records) {
    const value = values(record)[r.ownerField.property];
    if (value !== undefined && value !== null) keys.set(keyText(value), toDb(r.ownerField, value) as SqlValue);
  }
  const found = keys.size === 0 ? new Map<string, Model[]>() : await fetchRelated(r, [...keys.values()]);
  for (const record of records) {
    const v = values(record);
    const value = v[r.ownerField.property];
    const matches = value === undefined || value === null ? undefined : found.get(keyText(value));
    v[name] = r.kind === "hasMany" ? (matches ?? []).slice() : (matches?.[0] ?? null);
  }
}

/** The related records whose key is one of `keys`, grouped by that key (one query per chunk of maxParams keys). */
async function fetchRelated(r: Resolved, keys: SqlValue[]): Promise<Map<string, Model[]>> {
  const db = await r.target.database();
  const e: Engine = db.engine;
  const tm = r.targetMeta;
  checkEngine(tm, e);
  const chunk = dialectFor(e).maxParams;
  const order = orderClause(tm, e, r.orderBy);
  const byKey = new Map<string, Model[]>();
  for (let start = 0; start < keys.length; start += chunk) {
    const part = keys.slice(start, start + chunk);
    const sql = `${selectFrom(tm, e)} WHERE ${q(e, r.targetField.column)} IN (${part.map(() => "?").join(", ")})${softFilter(tm, e, {})} ORDER BY ${order}`;
    const result = await db.fetch(sql, part);
    for (const row of result.records) {
      const record = hydrate(r.target, tm, row, e);
      const key = keyText(values(record)[r.targetField.property]);
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [record]);
      else list.push(record);
    }
  }
  return byKey;
}
