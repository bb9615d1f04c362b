/** A lock this process holds. `lost` turns true (and `signal` aborts) if it expired before release. */
export interface Held {
  readonly lost: boolean;
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** Where locks live: Redis/Valkey (redis.ts) or a database (database-backend.ts). */
export interface LockBackend {
  /** "redis", "advisory" (PostgreSQL/MySQL) or "row". */
  readonly kind: string;
  /** Where, password masked. */
  readonly location: string;
  /** One attempt: the lock, or null when someone else holds it. */
  tryAcquire(name: string, ttlMs: number): Promise<Held | null>;
  close(): Promise<void>;
}
