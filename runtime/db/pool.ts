import { warnEvery } from "../log.js";
import { DatabaseError, DbErrorCode } from "./errors.js";
import type { Engine } from "./types.js";

export interface PoolOptions<C> {
  size: number;
  acquireTimeoutMs: number;
  engine: Engine;
  create: () => Promise<C>;
  destroy: (conn: C) => Promise<void>;
  isBroken: (conn: C) => boolean;
  /** Statements in flight on a connection that pipelines (see `shared`); absent: never shared. */
  pipelinedLoad?: (conn: C) => number | undefined;
}

interface Waiter<C> {
  resolve: (conn: C) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * A small fixed-size connection pool. `tryAcquire` is the allocation-free fast path; `acquire`
 * waits in FIFO order and fails with T4_ERR_DB_POOL_TIMEOUT instead of hanging.
 */
export class Pool<C> {
  private readonly idle: C[] = [];
  private readonly waiters: Waiter<C>[] = [];
  private total = 0;
  private closed = false;
  /** Idle connections closed by `suspend()`; the next `acquire` opens new ones. */
  private suspended = false;

  constructor(private readonly opts: PoolOptions<C>) {}

  get size(): number {
    return this.opts.size;
  }
  get inUse(): number {
    return this.total - this.idle.length;
  }

  /**
   * For /__metrics: connections in use (held, or idle in the pool but running pipelined
   * statements), callers waiting for one, and connections open.
   */
  levels(): { inUse: number; waiting: number; open: number } {
    const load = this.opts.pipelinedLoad;
    let pipelining = 0;
    if (load !== undefined) for (const conn of this.idle) if ((load(conn) ?? 0) > 0) pipelining++;
    return { inUse: this.inUse + pipelining, waiting: this.waiters.length, open: this.total };
  }

  /** An idle healthy connection, or undefined. */
  tryAcquire(): C | undefined {
    while (this.idle.length > 0) {
      const conn = this.idle.pop()!;
      if (!this.opts.isBroken(conn)) return conn;
      this.drop(conn);
    }
    return undefined;
  }

  /**
   * A connection to pipeline one autocommit statement on without holding it: the least busy
   * connection nobody holds exclusively. Opens another connection in the background while
   * every open one is busy and the pool may still grow. Undefined when the engine does not
   * pipeline or every connection is held (then callers `acquire`).
   */
  shared(): C | undefined {
    const load = this.opts.pipelinedLoad;
    if (load === undefined || this.closed) return undefined;
    let best: C | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i]!;
      if (this.opts.isBroken(conn)) {
        this.idle.splice(i, 1);
        this.drop(conn);
        continue;
      }
      const n = load(conn);
      if (n === undefined) return undefined;
      if (n < bestLoad) {
        best = conn;
        bestLoad = n;
      }
    }
    // grow only when pipelining connections exist and are all busy (acquire() grows otherwise)
    if (best !== undefined && bestLoad > 0 && this.total < this.opts.size && !this.closed) this.growInBackground();
    return best;
  }

  private growing = false;
  /** After a failed background connect, wait before the next (no connect storm during an outage). */
  private growAfter = 0;

  private growInBackground(): void {
    if (this.growing || Date.now() < this.growAfter) return;
    this.growing = true;
    this.total++;
    this.opts.create().then(
      (conn) => {
        this.growing = false;
        this.release(conn);
      },
      (error: unknown) => {
        this.growing = false;
        this.total--;
        this.growAfter = Date.now() + 1000;
        warnEvery(`pool-grow:${this.opts.engine}`, `[${this.opts.engine}] could not open another pooled connection (the open ones keep serving): ${error instanceof Error ? error.message : String(error)}`);
        this.failStrandedWaiters(error);
      },
    );
  }

  acquire(): Promise<C> {
    if (this.closed) return Promise.reject(closedError(this.opts.engine));
    this.suspended = false;
    const conn = this.tryAcquire();
    if (conn !== undefined) return Promise.resolve(conn);
    if (this.total < this.opts.size) return this.grow();
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new DatabaseError(
            DbErrorCode.POOL_TIMEOUT,
            `[${this.opts.engine}] no database connection became free within ${this.opts.acquireTimeoutMs} ms ` +
              `(pool size ${this.opts.size}, all in use). Raise TINA4_DB_POOL, or look for transactions that are never committed or rolled back.`,
            { engine: this.opts.engine },
          ));
        }, this.opts.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private async grow(): Promise<C> {
    this.total++;
    try {
      return await this.opts.create();
    } catch (error) {
      this.total--;
      this.failStrandedWaiters(error);
      throw error;
    }
  }

  /**
   * A connect failed. Waiters are served by releases and by connects in progress; when there
   * are none left (`total` is 0: the server is down and every connection was lost), nothing
   * would ever wake them until the acquire timeout, so they fail now with the same error
   * (a fast 503 instead of a request hanging for TINA4_DB_ACQUIRE_TIMEOUT).
   */
  private failStrandedWaiters(error: unknown): void {
    if (this.total > 0) return;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  /** Returns a connection; a broken one is destroyed and its slot handed to the next waiter. */
  release(conn: C): void {
    if (this.closed || this.opts.isBroken(conn)) {
      this.drop(conn);
      this.serveWaiterWithNew();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(conn);
      return;
    }
    if (this.suspended) this.drop(conn); // in use when the pool was suspended, and nobody used the pool since
    else this.idle.push(conn);
  }

  private drop(conn: C): void {
    this.total--;
    this.opts.destroy(conn).catch(() => undefined);
  }

  private serveWaiterWithNew(): void {
    if (this.closed || this.waiters.length === 0 || this.total >= this.opts.size) return;
    const waiter = this.waiters.shift()!;
    clearTimeout(waiter.timer);
    this.grow().then(waiter.resolve, waiter.reject);
  }

  /**
   * Closes every idle connection but stays usable: the next `acquire` opens new ones. A
   * connection in use closes when it comes back, unless the pool was used again meanwhile
   * (or a caller waits for it). For a lifecycle shutdown of a
   * pool that may be used again in the same process (testClient().close(), then more requests).
   */
  async suspend(): Promise<void> {
    if (this.closed) return;
    this.suspended = true;
    const idle = this.idle.splice(0);
    this.total -= idle.length;
    await Promise.all(idle.map((c) => this.opts.destroy(c).catch(() => undefined)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(closedError(this.opts.engine));
    }
    const idle = this.idle.splice(0);
    this.total -= idle.length;
    await Promise.all(idle.map((c) => this.opts.destroy(c).catch(() => undefined)));
  }
}

export function closedError(engine: Engine): DatabaseError {
  return new DatabaseError(DbErrorCode.CLOSED, `[${engine}] the database connection was closed`, { engine });
}
