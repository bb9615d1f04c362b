import type * as PgTypes from "pg";
import type { Writable } from "node:stream";
import { interop } from "../../drivers.js";
import { DbErrorCode, type DatabaseError, type DbErrorCodeValue } from "../errors.js";
import { PostgresDialect } from "../dialects/postgres.js";
import type { Row, SqlParams } from "../types.js";
import { dbError, driverParams, isNetworkError, requireDriver, toSafeInt, type DriverConnection, type QueryMode, type RawResult } from "./adapter.js";
import { NetworkAdapter, NetworkConnection } from "./network.js";

type PgModule = typeof PgTypes;

/** The parts of pg's Query this adapter uses (pg exports the class; its typings do not describe it). */
interface PgQuery {
  name: string | undefined;
  callback: ((error: Error | null, result: unknown) => void) | undefined;
}
type PgQueryClass = new (text: string, values?: unknown[]) => PgQuery;

/** Named prepared statements: the server parses each distinct SQL once per connection. */
const statementNames = new Map<string, string>();
function nameFor(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined) {
    if (statementNames.size >= 5000) return undefined;
    name = `t4_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/**
 * Statements pipelined in one event-loop turn leave in one write per connection: the socket
 * is corked at the first statement and uncorked once the turn's callbacks have run
 * (setImmediate). Under load that turns dozens of small writes (one syscall each, the bulk of
 * a query's cost on loopback) into one.
 */
const corked = new Set<Writable>();
function corkForThisTurn(stream: Writable): void {
  if (corked.has(stream)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  stream.cork();
  corked.add(stream);
}
function uncorkAll(): void {
  for (const stream of corked) stream.uncork();
  corked.clear();
}

/** A multi-statement simple query returns one result per statement: the last one counts. */
function toRawResult(res: PgTypes.QueryResult<Row> | PgTypes.QueryResult<Row>[]): RawResult {
  const last = Array.isArray(res) ? res[res.length - 1]! : res;
  const columns = last.fields ? last.fields.map((f) => f.name) : [];
  const isRead = last.command === "SELECT" || (last.fields?.length ?? 0) > 0;
  return { rows: last.rows ?? [], columns, affected: isRead && last.command === "SELECT" ? 0 : last.rowCount ?? 0, lastId: null };
}

class PgConnection extends NetworkConnection {
  inflight = 0;
  /**
   * pg's pipeline mode: statements are sent without waiting for earlier answers, each with its
   * own Sync (its own implicit transaction, so one failing never affects another), and are
   * answered in order. Older pg versions ignore the option; then the connection is held
   * exclusively per statement as before.
   */
  readonly pipelined: boolean;
  private readonly stream: Writable | undefined;

  constructor(
    private readonly client: PgTypes.Client,
    private readonly Query: PgQueryClass,
  ) {
    super();
    this.pipelined = (client as unknown as { pipeline?: unknown }).pipeline === true;
    this.stream = this.pipelined ? (client as unknown as { connection?: { stream?: Writable } }).connection?.stream : undefined;
    this.watchLoss(client);
  }

  /**
   * One statement. Built as one promise settled from pg's callback (no async layers): each
   * promise costs more while AsyncLocalStorage is active (request contexts), and a request
   * may run dozens of statements.
   */
  query(sql: string, params: SqlParams, mode: QueryMode): Promise<RawResult> {
    // Dates as UTC text: pg would write local time, which a TIMESTAMP column keeps without its zone
    const values = driverParams(params, true);
    const name = mode === "exec" && values.length === 0 ? undefined : nameFor(sql);
    if (this.stream !== undefined && !this.broken) corkForThisTurn(this.stream);
    return new Promise<RawResult>((resolve, reject) => {
      const done = (error: Error | null, result: unknown): void => {
        this.inflight--;
        if (error) {
          if (isNetworkError(error)) this.broken = true;
          reject(error);
        } else {
          resolve(toRawResult(result as PgTypes.QueryResult<Row> | PgTypes.QueryResult<Row>[]));
        }
      };
      this.inflight++;
      try {
        // `client.query(config)` copies an options object through property descriptors (more
        // than the rest of a query's JavaScript): a Query built from the text alone skips that,
        // then gets its prepared-statement name. Without values and name it is a simple query
        // (several statements allowed).
        const query = new this.Query(sql, values.length > 0 || name !== undefined ? values : undefined);
        if (name !== undefined) query.name = name;
        query.callback = done;
        this.client.query(query as unknown as PgTypes.QueryConfig);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)), undefined);
      }
    });
  }
  async begin(): Promise<void> {
    await this.query("BEGIN", [], "exec");
  }
  async commit(): Promise<void> {
    await this.query("COMMIT", [], "exec");
  }
  async rollback(): Promise<void> {
    await this.query("ROLLBACK", [], "exec");
  }
  async close(): Promise<void> {
    try {
      await this.client.end();
    } catch {
      // already gone
    }
  }
}

export class PostgresAdapter extends NetworkAdapter {
  readonly engine = "postgres" as const;
  readonly dialect = new PostgresDialect();

  async connect(): Promise<DriverConnection> {
    const pg = interop<PgModule>(await requireDriver<unknown>("pg", "postgres"));
    const u = this.url;
    const types = {
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === INT8) return (v: string) => toSafeInt(v);
        if (oid === DATE) return (v: string) => v;
        // TIMESTAMP holds UTC wall time (Dates are written as UTC): read it as UTC, whatever TZ this process has
        if (oid === TIMESTAMP && format !== "binary") {
          const parse = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (v: string) => unknown;
          return (v: string) => parse(v.endsWith("infinity") ? v : v.replace(/( BC)?$/, "Z$1"));
        }
        return pg.types.getTypeParser(oid, format ?? "text");
      }) as typeof pg.types.getTypeParser,
    };
    const ssl = u.options.ssl ?? u.options.sslmode;
    const client = new pg.Client({
      ...this.login(),
      connectionTimeoutMillis: this.connectTimeoutMs,
      ssl: ssl === "true" || ssl === "require" ? { rejectUnauthorized: false } : undefined,
      types,
      pipeline: true,
    } as PgTypes.ClientConfig);
    client.on("error", () => undefined);
    await this.connectWithin("PostgreSQL", () => client.connect(), () => void client.end().catch(() => undefined));
    return new PgConnection(client, (pg as unknown as { Query: PgQueryClass }).Query);
  }

  mapError(error: unknown, sql: string | undefined): DatabaseError {
    const code = (error as { code?: unknown } | null)?.code;
    const state = typeof code === "string" ? code : undefined;
    let kind: DbErrorCodeValue = DbErrorCode.QUERY;
    if (isNetworkError(error) || (state && /^(08|57P0|53300)/.test(state))) kind = DbErrorCode.UNAVAILABLE;
    else if (state === "28P01" || state === "28000") kind = DbErrorCode.AUTH;
    else if (state === "3D000") kind = DbErrorCode.UNAVAILABLE;
    else if (state && state.startsWith("23")) kind = DbErrorCode.CONSTRAINT;
    // serialization_failure, deadlock_detected, lock_not_available (NOWAIT)
    else if (state === "40001" || state === "40P01" || state === "55P03") kind = DbErrorCode.CONFLICT;
    return dbError(kind, "postgres", error, sql, state, this.url);
  }
}
