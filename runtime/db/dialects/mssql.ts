import { Dialect } from "./dialect.js";
import { lastTopLevelKeyword, replacePlaceholders, type ScanFlavour, type TrailingLimit } from "../sql.js";

export class MssqlDialect extends Dialect {
  readonly engine = "mssql" as const;
  readonly flavour: ScanFlavour = { brackets: true, nestedComments: true };
  readonly maxParams = 2000;
  readonly maxInsertRows = 1000;
  override readonly maxIdentifier = 128;
  readonly beginSql = "BEGIN TRANSACTION";
  protected override readonly nativeLimit = false;

  protected override placeholders(sql: string): string {
    return replacePlaceholders(sql, (n) => `@p${n}`, this.flavour);
  }
  protected quotePart(part: string): string {
    return `[${part}]`;
  }
  protected readonly columnTypes = {
    string: "NVARCHAR(255)", text: "NVARCHAR(MAX)", int: "INT", bigint: "BIGINT", float: "FLOAT", bool: "BIT",
    datetime: "DATETIME2", json: "NVARCHAR(MAX)", document: "NVARCHAR(MAX)",
  } as const;
  readonly autoIncrementPrimaryKey = "INT IDENTITY(1,1) PRIMARY KEY";
  readonly exactDecimal = { digits: 15, reason: "tedious, the SQL Server driver, reads DECIMAL values as JavaScript numbers, exact to 15 digits" };
  override varchar(length: number): string {
    return `NVARCHAR(${length})`;
  }
  /** MERGE … WITH (HOLDLOCK): SQL Server has no INSERT … ON CONFLICT, and MERGE without the lock races. */
  override upsertSql(table: string, columns: readonly string[], key: readonly string[]): string {
    const source = columns.map((c) => `? AS ${c}`).join(", ");
    const on = key.map((c) => `t.${c} = s.${c}`).join(" AND ");
    const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = s.${c}`).join(", ");
    return `MERGE ${table} WITH (HOLDLOCK) AS t USING (SELECT ${source}) AS s ON ${on} ` +
      `WHEN MATCHED THEN UPDATE SET ${updates} ` +
      `WHEN NOT MATCHED THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((c) => `s.${c}`).join(", ")});`;
  }
  /** LIMIT n → TOP n; with OFFSET → ORDER BY … OFFSET m ROWS FETCH NEXT n ROWS ONLY. */
  protected override rewriteLimit(limit: TrailingLimit) {
    if (limit.offset === null && typeof limit.limit === "number") {
      const top = /^(\s*SELECT\s+(?:DISTINCT\s+)?)/i.exec(limit.base);
      if (top) return { sql: `${top[1]}TOP ${limit.limit} ${limit.base.slice(top[1]!.length)}`, swap: false };
    }
    return this.offsetFetch(limit, this.ensureOrder(limit.base));
  }
  private ensureOrder(base: string): string {
    return lastTopLevelKeyword(base, "ORDER BY", this.flavour) >= 0 ? base : `${base} ORDER BY (SELECT NULL)`;
  }
  protected override pageClause(base: string, limit: number, offset: number): string {
    return `${this.ensureOrder(base)} OFFSET ${offset} ROWS FETCH NEXT ${limit} ROWS ONLY`;
  }
  override savepoint(name: string): string { return `SAVE TRANSACTION ${name}`; }
  override releaseSavepoint(): string | null { return null; }
  override rollbackToSavepoint(name: string): string { return `ROLLBACK TRANSACTION ${name}`; }
  tableExistsSql(): string {
    return "SELECT CASE WHEN OBJECT_ID(?) IS NULL THEN 0 ELSE 1 END AS found";
  }
  columnsSql(table: string) {
    const [schema, name] = table.includes(".") ? table.split(".") : [null, table];
    return {
      sql: `SELECT c.COLUMN_NAME AS name, c.DATA_TYPE AS type, CASE WHEN c.IS_NULLABLE = 'NO' THEN 1 ELSE 0 END AS nn,
        c.COLUMN_DEFAULT AS dflt,
        CASE WHEN EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS tc
          JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE k ON k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND k.TABLE_SCHEMA = tc.TABLE_SCHEMA
          WHERE tc.CONSTRAINT_TYPE = 'PRIMARY KEY' AND tc.TABLE_SCHEMA = c.TABLE_SCHEMA AND tc.TABLE_NAME = c.TABLE_NAME
            AND k.COLUMN_NAME = c.COLUMN_NAME) THEN 1 ELSE 0 END AS pk
        FROM INFORMATION_SCHEMA.COLUMNS c
        WHERE c.TABLE_SCHEMA = COALESCE(?, SCHEMA_NAME()) AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION`,
      params: [schema ?? null, name ?? ""],
    };
  }
  override insertSql(table: string, columns: string[], rows: number, pk: string | null): string {
    const one = `(${columns.map(() => "?").join(", ")})`;
    const values = Array.from({ length: rows }, () => one).join(", ");
    const output = pk ? ` OUTPUT INSERTED.${pk}` : "";
    return `INSERT INTO ${table} (${columns.join(", ")})${output} VALUES ${values}`;
  }
  sequenceTableSql(): string {
    return "IF OBJECT_ID('tina4_sequence') IS NULL CREATE TABLE tina4_sequence (seq_name NVARCHAR(200) PRIMARY KEY, next_id BIGINT NOT NULL)";
  }
  sequenceSeedSql(): string {
    return "IF NOT EXISTS (SELECT 1 FROM tina4_sequence WITH (UPDLOCK, HOLDLOCK) WHERE seq_name = @p1) " +
      "INSERT INTO tina4_sequence (seq_name, next_id) VALUES (@p1, 1)";
  }
  sequenceNextSql(table: string, pk: string): string {
    return "UPDATE tina4_sequence SET next_id = (SELECT CASE WHEN tina4_sequence.next_id > x.m THEN tina4_sequence.next_id ELSE x.m END " +
      `FROM (SELECT COALESCE(MAX(${pk}), 0) + 1 AS m FROM ${table}) x) + 1 OUTPUT INSERTED.next_id - 1 AS id WHERE seq_name = ?`;
  }
}
