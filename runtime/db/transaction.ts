import type { DriverConnection } from "./adapters/adapter.js";

/**
 * One transaction, pinned to one connection and stored in the Database's AsyncLocalStorage,
 * so only code running in the async context that opened it can see or join it.
 */
export class TxContext {
  conn: DriverConnection | null = null;
  /** Resolves once the connection is acquired and BEGIN has run. */
  ready: Promise<void> = Promise.resolve();
  active = true;
  /** Open savepoints, innermost last. */
  readonly savepoints: string[] = [];
  private counter = 0;

  /** `implicit`: opened by a write while TINA4_AUTOCOMMIT=false, closed by commit()/rollback(). */
  constructor(readonly implicit: boolean) {}

  nextSavepoint(): string {
    this.counter += 1;
    return `t4_sp_${this.counter}`;
  }
}
