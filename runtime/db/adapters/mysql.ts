import type * as Mysql from "mysql2/promise";
import { interop } from "../../drivers.js";
import { DbErrorCode, type DatabaseError, type DbErrorCodeValue } from "../errors.js";
import { MysqlDialect } from "../dialects/mysql.js";
import type { Row, SqlParams } from "../types.js";
import { dbError, driverParams, isNetworkError, requireDriver, toSafeInt, type DriverConnection, type QueryMode, type RawResult } from "./adapter.js";
import { NetworkAdapter, NetworkConnection } from "./network.js";

type MysqlModule = typeof Mysql;
const LONGLONG = 8;
const TINY = 1;

interface FieldLike {
  name: string;
  columnType?: number;
  type?: number;
  columnLength?: number;
  length?: number;
}

/** Per result-shape converters: BIGINT strings → number/bigint, TINYINT(1) → boolean. */
function converters(fields: FieldLike[]): ((row: Row) => void) | null {
  const ints: string[] = [];
  const bools: string[] = [];
  for (const f of fields) {
    const type = f.columnType ?? f.type;
    const len = f.columnLength ?? f.length;
    if (type === LONGLONG) ints.push(f.name);
    else if (type === TINY && len === 1) bools.push(f.name);
  }
  if (ints.length === 0 && bools.length === 0) return null;
  return (row) => {
    for (const n of ints) row[n] = toSafeInt(row[n]);
    for (const n of bools) {
      const v = row[n];
      if (v !== null && v !== undefined) row[n] = Number(v) !== 0;
    }
  };
}

class MysqlConnection extends NetworkConnection {
  constructor(private readonly conn: Mysql.Connection) {
    super();
    this.watchLoss(conn);
  }

  async query(sql: string, params: SqlParams, mode: QueryMode): Promise<RawResult> {
    const values = driverParams(params);
    let result: [unknown, unknown];
    try {
      // prepared (binary protocol) when bound; text protocol for parameterless SQL, which may hold several statements
      result = values.length > 0
        ? await this.conn.execute(sql, values as never)
        : await this.conn.query(sql);
    } catch (error) {
      this.noteFailure(error, (error as { fatal?: boolean }).fatal === true);
      throw error;
    }
    let [data, fields] = result;
    if (mode === "exec" && Array.isArray(data) && isHeaderList(data)) {
      data = data[data.length - 1];
      fields = undefined;
    }
    if (Array.isArray(data)) {
      const list = (fields ?? []) as FieldLike[];
      const rows = data as Row[];
      const convert = converters(list);
      if (convert) for (const r of rows) convert(r);
      return { rows, columns: list.map((f) => f.name), affected: 0, lastId: null };
    }
    const header = data as { affectedRows?: number; insertId?: number | string };
    const insertId = header.insertId === undefined || header.insertId === 0 ? null : (toSafeInt(header.insertId) as number | bigint);
    return { rows: [], columns: [], affected: header.affectedRows ?? 0, lastId: insertId };
  }
  async begin(): Promise<void> {
    await this.query("START TRANSACTION", [], "exec");
  }
  async commit(): Promise<void> {
    await this.query("COMMIT", [], "exec");
  }
  async rollback(): Promise<void> {
    await this.query("ROLLBACK", [], "exec");
  }
  async close(): Promise<void> {
    try {
      await this.conn.end();
    } catch {
      this.conn.destroy();
    }
  }
}

function isHeaderList(data: unknown[]): boolean {
  return data.length > 0 && data.every((d) => d !== null && typeof d === "object" && !Array.isArray(d) && "affectedRows" in d);
}

export class MysqlAdapter extends NetworkAdapter {
  readonly engine = "mysql" as const;
  readonly dialect = new MysqlDialect();

  async connect(): Promise<DriverConnection> {
    const mysql = interop<MysqlModule>(await requireDriver<unknown>("mysql2/promise", "mysql"));
    const conn = await this.connectWithin("MySQL", () => mysql.createConnection({
      ...this.login(),
      charset: "utf8mb4",
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: ["DATE"],
      // DATETIME holds UTC wall time: Dates written and read as UTC, whatever TZ this process has
      timezone: "Z",
      multipleStatements: true,
      connectTimeout: this.connectTimeoutMs,
      ssl: this.url.options.ssl === "true" ? { rejectUnauthorized: false } : undefined,
    }));
    return new MysqlConnection(conn);
  }

  mapError(error: unknown, sql: string | undefined): DatabaseError {
    const e = error as { code?: unknown; errno?: unknown; fatal?: unknown } | null;
    const errno = typeof e?.errno === "number" ? e.errno : undefined;
    const code = typeof e?.code === "string" ? e.code : undefined;
    let kind: DbErrorCodeValue = DbErrorCode.QUERY;
    if (isNetworkError(error) || errno === 1040 || errno === 2002 || errno === 2003 || errno === 2013 || errno === 1049) kind = DbErrorCode.UNAVAILABLE;
    else if (errno === 1045 || errno === 1044) kind = DbErrorCode.AUTH;
    else if (errno === 1062 || errno === 1451 || errno === 1452 || errno === 1048 || errno === 3819 || errno === 4025) kind = DbErrorCode.CONSTRAINT;
    // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
    else if (errno === 1213 || errno === 1205) kind = DbErrorCode.CONFLICT;
    return dbError(kind, "mysql", error, sql, code ?? errno, this.url);
  }
}
