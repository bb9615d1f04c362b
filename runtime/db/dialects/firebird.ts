import { createHash } from "node:crypto";
import { Dialect } from "./dialect.js";
import type { TrailingLimit, ScanFlavour } from "../sql.js";

export class FirebirdDialect extends Dialect {
  readonly engine = "firebird" as const;
  readonly flavour: ScanFlavour = {};
  readonly maxParams = 1000;
  /** Firebird has no multi-row VALUES: one INSERT per row, inside one transaction. */
  readonly maxInsertRows = 1;
  readonly beginSql = "SET TRANSACTION";
  protected override readonly nativeLimit = false;

  /** Unquoted names fold to upper case in Firebird; quoting the folded form keeps that meaning. */
  protected quotePart(part: string): string {
    return `"${part.toUpperCase()}"`;
  }
  /** LIMIT n OFFSET m → OFFSET m ROWS FETCH NEXT n ROWS ONLY (Firebird 3+). */
  protected override rewriteLimit(limit: TrailingLimit) {
    return this.offsetFetch(limit, limit.base);
  }
  protected override pageClause(base: string, limit: number, offset: number): string {
    return `${base} ROWS ${offset + 1} TO ${offset + limit}`;
  }
  tableExistsSql(): string {
    return "SELECT 1 AS found FROM RDB$RELATIONS WHERE RDB$RELATION_NAME = ?";
  }
  override tableExistsParams(table: string) {
    return [table.toUpperCase()];
  }
  columnsSql(table: string) {
    return {
      sql: `SELECT TRIM(rf.RDB$FIELD_NAME) AS name, f.RDB$FIELD_TYPE AS ftype, f.RDB$FIELD_SUB_TYPE AS subtype,
        f.RDB$FIELD_SCALE AS scale, COALESCE(rf.RDB$NULL_FLAG, f.RDB$NULL_FLAG, 0) AS nn,
        (SELECT COUNT(*) FROM RDB$RELATION_CONSTRAINTS rc
          JOIN RDB$INDEX_SEGMENTS s ON s.RDB$INDEX_NAME = rc.RDB$INDEX_NAME
          WHERE rc.RDB$RELATION_NAME = rf.RDB$RELATION_NAME AND rc.RDB$CONSTRAINT_TYPE = 'PRIMARY KEY'
            AND s.RDB$FIELD_NAME = rf.RDB$FIELD_NAME) AS pk
        FROM RDB$RELATION_FIELDS rf JOIN RDB$FIELDS f ON f.RDB$FIELD_NAME = rf.RDB$FIELD_SOURCE
        WHERE rf.RDB$RELATION_NAME = ? ORDER BY rf.RDB$FIELD_POSITION`,
      params: [table.toUpperCase()],
    };
  }
  /** Firebird uses a generator per table instead of the counter table (updates of one row conflict). */
  sequenceName(table: string, pk: string): string {
    const base = `T4SEQ_${table.replace(/"/g, "")}_${pk.replace(/"/g, "")}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
    if (base.length <= 31) return base;
    return `T4SEQ_${createHash("sha1").update(base).digest("hex").slice(0, 20).toUpperCase()}`;
  }
  sequenceTableSql(): string {
    return "";
  }
  sequenceSeedSql(): string {
    return "";
  }
  sequenceNextSql(table: string, pk: string): string {
    return `SELECT GEN_ID(${this.sequenceName(table, pk)}, 1) AS id FROM RDB$DATABASE`;
  }
}

export const FIREBIRD_TYPES: Record<number, string> = {
  7: "smallint", 8: "integer", 16: "bigint", 10: "float", 27: "double precision", 12: "date", 13: "time",
  35: "timestamp", 14: "char", 37: "varchar", 261: "blob", 23: "boolean", 26: "int128", 24: "decfloat(16)", 25: "decfloat(34)",
};
