/** Options of the model queries (find, where, all, count). */

/** Fields (property or column names): "name", "name desc", "-createdAt", or a list. */
export type OrderBy = string | readonly string[];

/** Options of find() and count(). */
export interface CountOptions {
  /** Soft-delete models: include deleted records too. */
  withDeleted?: boolean;
}

/** Options of where() and all(). */
export interface QueryOptions extends CountOptions {
  /** Page size (a non-negative whole number). */
  limit?: number;
  /** Rows to skip. */
  offset?: number;
  /** Fields (property or column names): "name", "name desc", "-createdAt", or a list. Default: the primary key. */
  orderBy?: OrderBy;
}

/** `with`: the relations to load with the records, one query per relation (relations.ts). */
export interface WithRelations<K extends string> {
  /** Relation names declared in the model's `static relations`. */
  with?: readonly K[];
}
