/**
 * What the adapters of network engines (PostgreSQL, MySQL/MariaDB, SQL Server, Firebird)
 * share: the server and credentials from the URL, a connect bounded by a hard deadline whose
 * failure becomes a DatabaseError, and a connection that marks itself broken when its socket
 * is lost, so the pool drops it instead of handing it out again.
 */
import type { DatabaseError } from "../errors.js";
import type { Dialect } from "../dialects/dialect.js";
import type { ParsedDatabaseUrl } from "../url.js";
import type { Engine, SqlParams } from "../types.js";
import { isNetworkError, timedOut, type Adapter, type DriverConnection, type QueryMode, type RawResult } from "./adapter.js";
import { withTimeout } from "../../async/timeout.js";

/** The connect options every network driver takes under these names (SQL Server's maps them). */
export interface ServerLogin {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Something that reports a lost connection as events (pg's Client, mysql2's and tedious' Connection). */
interface LossEvents {
  on(event: "error" | "end", listener: () => void): unknown;
}

export abstract class NetworkConnection implements DriverConnection {
  broken = false;

  /**
   * Marks the connection broken on 'error' (a lost socket, idle or busy) and on 'end' (the
   * server closed it cleanly: a restart, an idle timeout, an administrator's kill).
   */
  protected watchLoss(driver: LossEvents): void {
    const lost = () => {
      this.broken = true;
    };
    driver.on("error", lost);
    driver.on("end", lost);
  }

  /** Notes a failed call: a transport failure (or one the driver calls fatal) breaks the connection. */
  protected noteFailure(error: unknown, fatal = false): void {
    if (fatal || isNetworkError(error)) this.broken = true;
  }

  abstract query(sql: string, params: SqlParams, mode: QueryMode): Promise<RawResult>;
  abstract begin(): Promise<void>;
  abstract commit(): Promise<void>;
  abstract rollback(): Promise<void>;
  abstract close(): Promise<void>;
}

export abstract class NetworkAdapter implements Adapter {
  abstract readonly engine: Exclude<Engine, "sqlite">;
  abstract readonly dialect: Dialect;
  readonly maxPool = 1000;

  constructor(
    protected readonly url: ParsedDatabaseUrl,
    protected readonly connectTimeoutMs: number,
  ) {}

  abstract connect(): Promise<DriverConnection>;
  abstract mapError(error: unknown, sql: string | undefined): DatabaseError;

  /** Host, port, user, password and database from the URL. */
  protected login(): ServerLogin {
    const { host, port, user, password, database } = this.url;
    return { host, port, user, password, database };
  }

  /**
   * Runs a driver's connect under a deadline half a second past the driver's own timeout (a
   * driver may ignore it); on failure runs `cleanup` and throws the mapped DatabaseError.
   */
  protected async connectWithin<T>(what: string, connecting: () => Promise<T>, cleanup?: () => void): Promise<T> {
    try {
      const ms = this.connectTimeoutMs + 500;
      return await withTimeout(connecting(), ms, timedOut(`${what} connect`, ms));
    } catch (error) {
      cleanup?.();
      throw this.mapError(error, undefined);
    }
  }
}
