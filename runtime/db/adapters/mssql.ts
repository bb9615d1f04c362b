import type * as Tedious from "tedious";
import { interop } from "../../drivers.js";
import { DbErrorCode, type DatabaseError, type DbErrorCodeValue } from "../errors.js";
import { MssqlDialect } from "../dialects/mssql.js";
import type { Row, SqlParams } from "../types.js";
import { dbError, isNetworkError, requireDriver, toSafeInt, type DriverConnection, type QueryMode, type RawResult } from "./adapter.js";
import { NetworkAdapter, NetworkConnection } from "./network.js";

type TediousModule = typeof Tedious;
type TediousTypes = TediousModule["TYPES"];

/** One bound parameter as handed to tedious' `addParameter`. */
export interface MssqlParam {
  name: string;
  type: TediousTypes[keyof TediousTypes];
  value: unknown;
  options?: { length?: number; precision?: number; scale?: number };
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * Maps positional values to tedious parameters @p1..@pN, inferring the SQL Server type from
 * the JavaScript value (the SQL was rewritten from `?` to `@pN` by the dialect).
 */
export function bindMssqlParams(params: SqlParams, TYPES: TediousTypes): MssqlParam[] {
  return params.map((v, i): MssqlParam => {
    const name = `p${i + 1}`;
    if (v === null || v === undefined) return { name, type: TYPES.NVarChar, value: null };
    switch (typeof v) {
      case "boolean":
        return { name, type: TYPES.Bit, value: v };
      case "bigint":
        return { name, type: TYPES.BigInt, value: v.toString() };
      case "number":
        if (Number.isInteger(v)) {
          return v >= INT32_MIN && v <= INT32_MAX
            ? { name, type: TYPES.Int, value: v }
            : { name, type: TYPES.BigInt, value: v };
        }
        return { name, type: TYPES.Float, value: v };
      case "string":
        return { name, type: TYPES.NVarChar, value: v, options: { length: v.length > 4000 ? Infinity : 4000 } };
      default:
        break;
    }
    if (v instanceof Date) return { name, type: TYPES.DateTime2, value: v, options: { scale: 7 } };
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
      const buf = Buffer.isBuffer(v) ? v : Buffer.from(v);
      return { name, type: TYPES.VarBinary, value: buf, options: { length: buf.length > 8000 ? Infinity : 8000 } };
    }
    const json = JSON.stringify(v);
    return { name, type: TYPES.NVarChar, value: json, options: { length: json.length > 4000 ? Infinity : 4000 } };
  });
}

interface ColumnValue {
  value: unknown;
  metadata: { colName: string; type: { name: string } };
}

class MssqlConnection extends NetworkConnection {
  constructor(private readonly conn: Tedious.Connection, private readonly tedious: TediousModule) {
    super();
    this.watchLoss(conn);
  }

  query(sql: string, params: SqlParams, _mode: QueryMode): Promise<RawResult> {
    return new Promise((resolve, reject) => {
      const rows: Row[] = [];
      let columns: string[] = [];
      const request = new this.tedious.Request(sql, (err, rowCount) => {
        if (err) {
          this.noteFailure(err);
          reject(err);
          return;
        }
        resolve({ rows, columns, affected: columns.length ? 0 : rowCount ?? 0, lastId: null });
      });
      request.on("columnMetadata", (cols: unknown) => {
        const list = (Array.isArray(cols) ? cols : Object.values(cols as object)) as { colName: string }[];
        columns = list.map((c) => c.colName);
      });
      request.on("row", (cols: unknown) => {
        const row: Row = {};
        for (const c of cols as ColumnValue[]) {
          const t = c.metadata.type.name;
          row[c.metadata.colName] = t === "BigInt" || t === "IntN" && typeof c.value === "string" ? toSafeInt(c.value) : c.value;
        }
        rows.push(row);
      });
      const bound = bindMssqlParams(params, this.tedious.TYPES);
      for (const p of bound) request.addParameter(p.name, p.type, p.value, p.options ?? null);
      if (bound.length === 0) this.conn.execSqlBatch(request);
      else this.conn.execSql(request);
    });
  }
  begin(): Promise<void> {
    return new Promise((resolve, reject) => this.conn.beginTransaction((err) => (err ? reject(err) : resolve())));
  }
  commit(): Promise<void> {
    return new Promise((resolve, reject) => this.conn.commitTransaction((err) => (err ? reject(err) : resolve())));
  }
  rollback(): Promise<void> {
    return new Promise((resolve, reject) => this.conn.rollbackTransaction((err) => (err ? reject(err) : resolve())));
  }
  async close(): Promise<void> {
    this.conn.close();
  }
}

export class MssqlAdapter extends NetworkAdapter {
  readonly engine = "mssql" as const;
  readonly dialect = new MssqlDialect();

  async connect(): Promise<DriverConnection> {
    const tedious = interop<TediousModule>(await requireDriver<unknown>("tedious", "mssql"));
    const { host, port, user, password, database } = this.login();
    const conn = new tedious.Connection({
      server: host,
      authentication: { type: "default", options: { userName: user, password } },
      options: {
        port,
        database,
        encrypt: this.url.options.encrypt !== "false",
        trustServerCertificate: this.url.options.trustServerCertificate !== "false",
        connectTimeout: this.connectTimeoutMs,
        rowCollectionOnRequestCompletion: false,
        useColumnNames: false,
      },
    });
    await this.connectWithin("SQL Server", () => new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(err) : resolve()));
    }), () => conn.close());
    return new MssqlConnection(conn, tedious);
  }

  mapError(error: unknown, sql: string | undefined): DatabaseError {
    const e = error as { code?: unknown; number?: unknown } | null;
    const num = typeof e?.number === "number" ? e.number : undefined;
    const code = typeof e?.code === "string" ? e.code : undefined;
    let kind: DbErrorCodeValue = DbErrorCode.QUERY;
    if (isNetworkError(error) || code === "ESOCKET" || code === "ETIMEOUT" || code === "ECLOSE") kind = DbErrorCode.UNAVAILABLE;
    else if (code === "ELOGIN" || num === 18456) kind = DbErrorCode.AUTH;
    else if (num === 2627 || num === 2601 || num === 547 || num === 515) kind = DbErrorCode.CONSTRAINT;
    // chosen as deadlock victim, lock request timeout
    else if (num === 1205 || num === 1222) kind = DbErrorCode.CONFLICT;
    return dbError(kind, "mssql", error, sql, num ?? code, this.url);
  }
}
