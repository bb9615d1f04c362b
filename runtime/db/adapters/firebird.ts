import type * as Fb from "node-firebird";
import { interop } from "../../drivers.js";
import { DbErrorCode, type DatabaseError, type DbErrorCodeValue } from "../errors.js";
import { FirebirdDialect } from "../dialects/firebird.js";
import type { Row, SqlParams } from "../types.js";
import { dbError, driverParams, isNetworkError, requireDriver, toSafeInt, type DriverConnection, type QueryMode, type RawResult } from "./adapter.js";
import { NetworkAdapter, NetworkConnection } from "./network.js";

type FbModule = typeof Fb;
type BlobReader = (cb: (err: unknown, name: string, stream: NodeJS.EventEmitter) => void) => void;

/** Firebird error codes (gdscode) we classify. */
const GDS = {
  unique: [335544665, 335544349],
  constraint: [335544466, 335544347, 335544558, 335544838, 335544839],
  unavailable: [335544721, 335544726, 335544741, 335544648, 335544344, 335544375],
  auth: [335544472],
  /** isc_deadlock (also "update conflicts with concurrent update"), isc_update_conflict, isc_lock_conflict, isc_concurrent_transaction. */
  conflict: [335544336, 335544451, 335544345, 335544878],
};

/** node-firebird emits no events for a lost socket: failed calls mark the connection broken. */
class FirebirdConnection extends NetworkConnection {
  private tx: Fb.Transaction | null = null;

  constructor(private readonly db: Fb.Database, private readonly fb: FbModule) {
    super();
  }

  async query(sql: string, params: SqlParams, _mode: QueryMode): Promise<RawResult> {
    if (this.tx !== null) return this.run(this.tx, sql, params);
    // autocommit: a short transaction of our own (node-firebird's default makes readers wait on writers)
    const tx = await this.start();
    let result: RawResult;
    try {
      result = await this.run(tx, sql, params);
    } catch (error) {
      await tx.rollbackAsync().catch(() => undefined);
      throw error;
    }
    await tx.commitAsync();
    return result;
  }

  private start(): Promise<Fb.Transaction> {
    // READ COMMITTED RECORD_VERSION + WAIT (node-firebird names this pair ISOLATION_READ_UNCOMMITTED)
    return this.db.transactionAsync({ isolation: this.fb.ISOLATION_READ_UNCOMMITTED, wait: true }).catch((error: unknown) => {
      this.noteFailure(error);
      throw error;
    });
  }

  private async run(tx: Fb.Transaction, sql: string, params: SqlParams): Promise<RawResult> {
    let res: Fb.QueryResult<Row>;
    try {
      res = await tx.queryAsync<Row>(sql, utcDates(driverParams(params)), { withMeta: true });
    } catch (error) {
      this.noteFailure(error);
      throw error;
    }
    const raw = res.rows;
    const rows: Row[] = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const fields = res.fields ?? [];
    const columns = fields.map((f) => (f.alias || f.field || "").toLowerCase());
    const ints = fields.filter((f) => f.typeName === "INT64" && !f.scale).map((f) => (f.alias || f.field || "").toLowerCase());
    const times = fields.filter((f) => WALL_CLOCK_TYPES.has(f.typeName ?? "")).map((f) => (f.alias || f.field || "").toLowerCase());
    for (const row of rows) {
      for (const n of ints) row[n] = toSafeInt(row[n]);
      for (const n of times) row[n] = fromLocalWallClock(row[n]);
      for (const key in row) {
        const v = row[key];
        if (typeof v === "function") row[key] = await readBlob(v as BlobReader);
      }
    }
    const isSelect = fields.length > 0 && raw !== undefined && Array.isArray(raw);
    return { rows, columns, affected: isSelect ? 0 : res.affectedRows ?? 0, lastId: null };
  }
  async begin(): Promise<void> {
    this.tx = await this.start();
  }
  async commit(): Promise<void> {
    const tx = this.tx;
    this.tx = null;
    if (tx) await tx.commitAsync();
  }
  async rollback(): Promise<void> {
    const tx = this.tx;
    this.tx = null;
    if (tx) await tx.rollbackAsync();
  }
  async close(): Promise<void> {
    try {
      if (this.tx) await this.rollback();
      await this.db.detachAsync();
    } catch {
      // connection already gone
    }
  }
}

function readBlob(reader: BlobReader): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    reader((err, _name, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve(Buffer.concat(chunks)));
      stream.on("error", reject);
    });
  });
}

/**
 * node-firebird turns TIMESTAMP/DATE/TIME values into the process's local time both ways, so
 * instances in different time zones disagreed by their offset. tina4 stores UTC wall time on
 * every engine: a Date parameter goes out with a zero zone offset, and a value read back (a Date
 * whose local fields are the stored wall time) becomes that wall time in UTC.
 */
class UtcWallClock extends Date {
  override getTimezoneOffset(): number {
    return 0;
  }
}

const WALL_CLOCK_TYPES = new Set(["TIMESTAMP", "DATE", "TIME"]);

function utcDates(values: unknown[]): unknown[] {
  // driverParams copied the array when it holds any object, so a Date here is ours to replace
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Date && !Number.isNaN(v.getTime())) values[i] = new UtcWallClock(v.getTime());
  }
  return values;
}

function fromLocalWallClock(value: unknown): unknown {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return value;
  const utc = new Date(0);
  utc.setUTCFullYear(value.getFullYear(), value.getMonth(), value.getDate());
  utc.setUTCHours(value.getHours(), value.getMinutes(), value.getSeconds(), value.getMilliseconds());
  return utc;
}

export class FirebirdAdapter extends NetworkAdapter {
  readonly engine = "firebird" as const;
  readonly dialect = new FirebirdDialect();

  async connect(): Promise<DriverConnection> {
    const fb = interop<FbModule>(await requireDriver<unknown>("node-firebird", "firebird"));
    const db = await this.connectWithin("Firebird", () => fb.attachAsync({
      ...this.login(),
      lowercase_keys: true,
      numericMode: "string",
      blobAsText: true,
      encoding: "UTF8",
      connectTimeout: this.connectTimeoutMs,
    }));
    return new FirebirdConnection(db, fb);
  }

  mapError(error: unknown, sql: string | undefined): DatabaseError {
    const gds = (error as { gdscode?: unknown } | null)?.gdscode;
    const code = typeof gds === "number" ? gds : undefined;
    let kind: DbErrorCodeValue = DbErrorCode.QUERY;
    if (isNetworkError(error) || (code !== undefined && GDS.unavailable.includes(code))) kind = DbErrorCode.UNAVAILABLE;
    else if (code !== undefined && GDS.auth.includes(code)) kind = DbErrorCode.AUTH;
    else if (code !== undefined && (GDS.unique.includes(code) || GDS.constraint.includes(code))) kind = DbErrorCode.CONSTRAINT;
    else if (code !== undefined && GDS.conflict.includes(code)) kind = DbErrorCode.CONFLICT;
    return dbError(kind, "firebird", error, sql, code ?? (error as { code?: string } | null)?.code, this.url);
  }
}
