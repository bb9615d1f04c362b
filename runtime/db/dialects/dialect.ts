import { DatabaseError, DbErrorCode } from "../errors.js";
import { lastTopLevelKeyword, trailingLimit, trimStatementEnd, type ScanFlavour, type TrailingLimit } from "../sql.js";
import type { Engine, SqlParams } from "../types.js";

/** A statement ready for the driver: native placeholders, engine paging. */
export interface PreparedSql {
  sql: string;
  /** When set, the last two params must be swapped (LIMIT ? OFFSET ? → OFFSET ? … FETCH ?). */
  swapLastTwo: boolean;
}

/** Generated SQL that still has `?` placeholders, with the PreparedSql parameter plan. */
export interface RewrittenSql {
  sql: string;
  swapLastTwo: boolean;
}

/**
 * Column kinds tina4 writes DDL for: the ORM's and the generators' field types, plus `bigint`
 * and `document` (text of any size holding any Unicode: cached values, job payloads).
 */
export type ColumnKind = "string" | "text" | "int" | "bigint" | "float" | "bool" | "datetime" | "json" | "document";

/** The kinds of object `migrate:fresh` drops (Dialect.appObjectsSql). */
export type SchemaObjectKind = "foreign key" | "table" | "view" | "materialized view" | "sequence" | "function" | "procedure" | "type" | "domain";

/** One of the app's objects in its schema, as Dialect.appObjectsSql lists it. */
export interface SchemaObject {
  kind: SchemaObjectKind;
  name: string;
  /** PostgreSQL routines: the argument list that names the overload (`integer, text`); a foreign key: its table; else null. */
  args: string | null;
}

/**
 * Everything engine-specific about SQL text lives behind this interface (placeholders, paging,
 * quoting, column types, key DDL, upserts), so neither the Database class nor any layer above
 * it (ORM, migrations, locks, the database cache table, the generators) branches on the engine.
 */
export abstract class Dialect {
  abstract readonly engine: Engine;
  abstract readonly flavour: ScanFlavour;
  /** Most bound parameters one statement may carry. */
  abstract readonly maxParams: number;
  /** Most rows in one multi-row VALUES list (1 = one INSERT per row). */
  abstract readonly maxInsertRows: number;
  /** Longest identifier accepted. */
  readonly maxIdentifier: number = 63;

  private readonly cache = new Map<string, PreparedSql>();

  /** Translates `?` placeholders and a trailing LIMIT/OFFSET into this engine's form (cached). */
  prepare(sql: string): PreparedSql {
    let hit = this.cache.get(sql);
    if (hit === undefined) {
      hit = this.translate(sql);
      if (this.cache.size >= 2000) this.cache.clear();
      this.cache.set(sql, hit);
    }
    return hit;
  }

  /** Applies the prepare plan to the params (allocates only when a swap is needed). */
  static bind(plan: PreparedSql, params: SqlParams): SqlParams {
    if (!plan.swapLastTwo || params.length < 2) return params;
    const out = params.slice();
    const n = out.length;
    [out[n - 2], out[n - 1]] = [out[n - 1], out[n - 2]];
    return out;
  }

  protected translate(sql: string): PreparedSql {
    const limit = this.nativeLimit ? null : trailingLimit(sql, this.flavour);
    let text = sql;
    let swapLastTwo = false;
    if (limit) {
      const r = this.rewriteLimit(limit);
      text = r.sql;
      swapLastTwo = r.swap;
    }
    return { sql: this.placeholders(text), swapLastTwo };
  }

  /** True when the engine understands `LIMIT n OFFSET m` itself. */
  protected readonly nativeLimit: boolean = true;

  /** `?` → native markers. */
  protected placeholders(sql: string): string {
    return sql;
  }

  /** Rewrites a trailing LIMIT clause for engines without LIMIT. */
  protected rewriteLimit(limit: TrailingLimit): { sql: string; swap: boolean } {
    return { sql: `${limit.base} LIMIT ${limit.limit}${limit.offset === null ? "" : ` OFFSET ${limit.offset}`}`, swap: false };
  }

  /** Shared helper: OFFSET/FETCH (SQL:2008) with correct parameter order. */
  protected offsetFetch(limit: TrailingLimit, base: string): { sql: string; swap: boolean } {
    const offset = limit.offset ?? 0;
    // target order is OFFSET then FETCH; the source order was LIMIT then OFFSET unless offsetFirst
    const swap = limit.limit === "?" && limit.offset === "?" && !limit.offsetFirst;
    return { sql: `${base} OFFSET ${offset} ROWS FETCH NEXT ${limit.limit} ROWS ONLY`, swap };
  }

  /**
   * Paging for fetch({limit, offset}); the numbers are validated integers. The statement keeps
   * its `?` placeholders (run it through prepare()); bind its params with Dialect.bind().
   */
  page(sql: string, limit: number, offset: number): RewrittenSql {
    const base = trimStatementEnd(sql, this.flavour);
    const inner = this.limitedDerivedTable(base);
    if (inner === null) return { sql: this.pageClause(base, limit, offset), swapLastTwo: false };
    return { sql: this.pageClause(`SELECT * FROM (${inner.sql}) t4_page`, limit, offset), swapLastTwo: inner.swapLastTwo };
  }

  protected pageClause(base: string, limit: number, offset: number): string {
    return `${base} LIMIT ${limit} OFFSET ${offset}`;
  }

  /** `SELECT COUNT(*)` over a query (its trailing ORDER BY removed unless a LIMIT needs it). */
  countSql(sql: string): RewrittenSql {
    let base = trimStatementEnd(sql, this.flavour);
    const inner = this.limitedDerivedTable(base);
    if (inner !== null) return { sql: `SELECT COUNT(*) AS total FROM (${inner.sql}) t4_count`, swapLastTwo: inner.swapLastTwo };
    const order = lastTopLevelKeyword(base, "ORDER BY", this.flavour);
    if (order > 0) base = base.slice(0, order);
    return { sql: `SELECT COUNT(*) AS total FROM (${base}) t4_count`, swapLastTwo: false };
  }

  /**
   * A statement ending in LIMIT, made ready to sit inside a derived table, or null when it has no
   * LIMIT. prepare() only rewrites a LIMIT at the very end of a statement, so engines without
   * LIMIT get the inner one rewritten here.
   */
  private limitedDerivedTable(base: string): RewrittenSql | null {
    const limit = trailingLimit(base, this.flavour);
    if (limit === null) return null;
    if (this.nativeLimit) return { sql: base, swapLastTwo: false };
    const r = this.rewriteLimit(limit);
    return { sql: r.sql, swapLastTwo: r.swap };
  }

  /** Validates a table/column name and quotes it the way this engine folds unquoted names. */
  quote(name: string): string {
    return validateIdentifier(name, this.maxIdentifier, this.engine)
      .split(".")
      .map((part) => this.quotePart(part))
      .join(".");
  }

  protected abstract quotePart(part: string): string;

  /** The engine's type for each column kind (`string` is 255 characters; see `varchar` for others). */
  protected abstract readonly columnTypes: Readonly<Record<ColumnKind, string>>;

  columnType(kind: ColumnKind): string {
    return this.columnTypes[kind];
  }

  /** A DECIMAL column: `precision` digits in all, `scale` after the point (DECIMAL(12,2)). */
  decimalType(precision: number, scale: number): string {
    return `DECIMAL(${precision},${scale})`;
  }

  /**
   * The most DECIMAL digits this engine stores and tina4 reads back exactly, and why not more:
   * decimal model fields with a larger precision are refused on this engine.
   */
  abstract readonly exactDecimal: { readonly digits: number; readonly reason: string };

  /** A bounded text column of `length` characters. */
  varchar(length: number): string {
    return `VARCHAR(${length})`;
  }

  /** Column definition of an integer primary key the database generates. */
  abstract readonly autoIncrementPrimaryKey: string;

  /** Appended to tina4's own CREATE TABLE statements ("" on most engines). */
  readonly tableOptions: string = "";

  /**
   * Appended to the CREATE TABLE statements the generators write for app tables ("" on most
   * engines): on MySQL, InnoDB and utf8mb4, so text columns hold any Unicode whatever the
   * server's default charset (latin1 on MySQL 5.7 and MariaDB before 11.6 without a config).
   */
  readonly appTableOptions: string = "";

  /**
   * Why schema statements (CREATE, ALTER, DROP, ...) commit apart from the statements around them
   * on this engine, or null where a transaction holds DDL like any other statement. Migrations then
   * give schema statements their own transactions, so the data statements of a failed file are
   * still rolled back, and say which statements stayed committed.
   */
  readonly schemaCommitsApart: string | null = null;
  /** True where each schema statement commits by itself (MySQL's implicit commit), not only apart from data. */
  readonly eachSchemaStatementCommits: boolean = false;

  /**
   * One statement that inserts a row or, when a row with the same `key` exists, updates its
   * other columns: params are the values of `columns` in order. Names are used as given
   * (quote them first if they need it).
   */
  upsertSql(table: string, columns: readonly string[], key: readonly string[]): string {
    const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = excluded.${c}`);
    return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ` +
      `ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${updates.join(", ")}`;
  }

  abstract readonly beginSql: string;
  savepoint(name: string): string { return `SAVEPOINT ${name}`; }
  releaseSavepoint(name: string): string | null { return `RELEASE SAVEPOINT ${name}`; }
  rollbackToSavepoint(name: string): string { return `ROLLBACK TO SAVEPOINT ${name}`; }

  /** SQL with one `?` per (schema?, table) — see tableExistsParams. */
  abstract tableExistsSql(): string;
  tableExistsParams(table: string): SqlParams {
    return [table];
  }

  abstract columnsSql(table: string): { sql: string; params: SqlParams };

  /**
   * A query listing the app's own objects where the connection points (the current schema on
   * PostgreSQL, the current database on MySQL/MariaDB, the file on SQLite) as rows
   * `{ kind, name, args }` (`kind` a SchemaObjectKind; `args` the argument list naming a
   * routine overload, else null): what `migrate:fresh` drops. null where tina4 cannot list them.
   */
  appObjectsSql(): string | null {
    return null;
  }

  /**
   * What drops `objects` (as appObjectsSql listed them): `groups` of statements, each group run in
   * one transaction on one connection between `before` (relax foreign-key checks) and `after`
   * (restore them; run even when a drop failed). One group where the engine can (all or nothing
   * where DDL is transactional). Names are quoted exactly as the catalog spells them.
   */
  dropObjectsSql(objects: readonly SchemaObject[]): { before: string[]; groups: string[][]; after: string[] } {
    const drops = this.dropOrder.flatMap((kind) => objects.filter((o) => o.kind === kind).map((o) => this.dropSql(o)));
    return { before: [], groups: [drops], after: [] };
  }

  /** The order kinds are dropped in: foreign keys first where the engine cannot relax them (Firebird lists them; others do not). */
  protected readonly dropOrder: readonly SchemaObjectKind[] = ["foreign key", "view", "materialized view", "table", "sequence", "function", "procedure", "type", "domain"];

  /** One object's DROP (IF EXISTS: dropping a table may already have taken a dependent object with it). */
  protected dropSql(object: SchemaObject): string {
    if (object.kind === "foreign key") return `ALTER TABLE ${this.quoteExact(object.args ?? "")} DROP CONSTRAINT ${this.quoteExact(object.name)}`;
    return `DROP ${object.kind.toUpperCase()} IF EXISTS ${this.quoteExact(object.name)}`;
  }

  /** A catalog name quoted as it is spelled (no case folding, quotes doubled). */
  quoteExact(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  /** INSERT for `rows` rows of `columns` (already quoted); `pk` quoted or null. */
  insertSql(table: string, columns: string[], rows: number, pk: string | null): string {
    const one = `(${columns.map(() => "?").join(", ")})`;
    const values = Array.from({ length: rows }, () => one).join(", ");
    return `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values}${pk ? this.returning(pk) : ""}`;
  }

  /** Suffix that returns the generated key; "" when the driver reports it itself. */
  protected returning(pk: string): string {
    return ` RETURNING ${pk}`;
  }

  /** Whether insertSql should be given the pk for a RETURNING clause. */
  readonly insertReturnsPk: boolean = true;

  /** Statements for getNextId: create the counter table, seed a row, take the next value. */
  abstract sequenceTableSql(): string;
  abstract sequenceSeedSql(): string;
  abstract sequenceNextSql(table: string, pk: string): string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Throws T4_ERR_DB_IDENTIFIER unless `name` is `ident` or `schema.ident` made of letters, digits, _ and $. */
export function validateIdentifier(name: string, max: number, engine?: Engine): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new DatabaseError(DbErrorCode.IDENTIFIER, "Identifier must be a non-empty string", { engine });
  }
  const parts = name.split(".");
  if (parts.length > 2 || parts.some((p) => !IDENT.test(p) || p.length > max)) {
    const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
    throw new DatabaseError(
      DbErrorCode.IDENTIFIER,
      `Invalid identifier ${shown}: use letters, digits, _ or $ (optionally schema.name), at most ${max} characters`,
      { engine },
    );
  }
  return name;
}
