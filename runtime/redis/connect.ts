/**
 * One way to open node-redis clients for the cache, the real-time bus and the job queue.
 *
 * Policy: the first connect must answer within a bound (else every client is destroyed and
 * the caller's own typed error is thrown, so the caller can fall back or try again later);
 * after that each client reconnects forever with capped, jittered backoff. The driver stays
 * optional: callers load it with loadDriver and pass it in, typed structurally.
 */
import { backoff } from "../async/backoff.js";
import { withTimeout } from "../async/timeout.js";

/** The part of a node-redis client that opening and closing need. */
export interface RedisConnection {
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly isReady: boolean;
}

export interface RedisClientOptions {
  url: string;
  disableOfflineQueue?: boolean;
  socket: { connectTimeout: number; reconnectStrategy: (retries: number) => number | false };
}

/** The node-redis module, as far as creating a client goes. */
export interface RedisDriver<C extends RedisConnection> {
  createClient(options: RedisClientOptions): C;
}

export interface OpenRedisOptions<C extends RedisConnection> {
  /** Already normalized to redis:// or rediss://. */
  url: string;
  /** Bound on the socket connect; also the bound on the whole first connect unless `waitMs` says otherwise. */
  connectTimeoutMs: number;
  waitMs?: number;
  /** Fail commands at once while disconnected instead of queueing them. */
  disableOfflineQueue: boolean;
  /** Cap of the reconnect delay after the first success. */
  maxBackoffMs: number;
  /** Clients that share the first client's options (e.g. a subscriber beside a publisher). */
  duplicates?: (first: C) => C[];
  /** Where a connection error goes (node-redis emits them on every failed reconnect); `index` 0 is the first client. */
  onError: (error: Error, index: number) => void;
  /** The caller's typed error for a first connect that failed. */
  unreachable: (cause: Error) => Error;
}

/** Creates the client (and its duplicates), connects them all within the bound, and returns them in order. */
export async function openRedis<C extends RedisConnection>(redis: RedisDriver<C>, options: OpenRedisOptions<C>): Promise<C[]> {
  let established = false;
  const first = redis.createClient({
    url: options.url,
    ...(options.disableOfflineQueue ? { disableOfflineQueue: true } : {}),
    socket: {
      connectTimeout: options.connectTimeoutMs,
      // before the first success: give up (the caller decides what then); after: retry forever
      reconnectStrategy: (retries) => (established ? backoff(retries, 50, options.maxBackoffMs, 100) : false),
    },
  });
  const clients = [first, ...(options.duplicates?.(first) ?? [])];
  clients.forEach((client, index) => client.on("error", (error) => options.onError(error, index)));
  const waitMs = options.waitMs ?? options.connectTimeoutMs;
  try {
    await withTimeout(Promise.all(clients.map((client) => client.connect())), waitMs, () => new Error(`no answer within ${waitMs} ms`));
  } catch (error) {
    for (const client of clients) {
      try { client.destroy(); } catch { /* never connected */ }
    }
    throw options.unreachable(error as Error);
  }
  established = true;
  return clients;
}

/** Closes gracefully when the client is ready, else drops it; never throws. */
export async function closeRedis(client: RedisConnection): Promise<void> {
  try {
    if (client.isReady) await client.close();
    else client.destroy();
  } catch {
    try { client.destroy(); } catch { /* already closed */ }
  }
}
