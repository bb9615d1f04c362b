/**
 * The bus over Redis or Valkey PUBLISH/SUBSCRIBE (TINA4_PUBSUB_URL): every worker of every
 * instance holds one subscriber connection and one publishing connection. Redis sends each
 * message to every subscriber — the publishing process included — so each process delivers it
 * exactly once, when it comes back from the server.
 *
 * Connection policy: the first connect must succeed within the connect timeout (else the
 * call fails with T4_ERR_WS_BUS_UNREACHABLE and the next one tries again); after that the
 * clients reconnect forever with capped backoff, node-redis re-subscribes by itself, and a
 * publish while disconnected fails at once instead of queueing stale broadcasts.
 */
import { loadDriver } from "../../drivers.js";
import { log } from "../../log.js";
import { closeRedis, openRedis, type RedisDriver } from "../../redis/connect.js";
import { RealtimeError, RealtimeErrorCode } from "../errors.js";
import type { BusTransport, Delivery } from "./transport.js";

interface RedisClient {
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly isReady: boolean;
}

/** redis:// rediss:// valkey:// valkeys:// → what node-redis accepts; anything else is an error. */
export function normalizePubSubUrl(url: string): string {
  const normalized = url.trim().replace(/^valkey(s?):\/\//i, "redis$1://");
  if (!/^rediss?:\/\/[^\s]+$/i.test(normalized)) {
    throw new RealtimeError(RealtimeErrorCode.BUS_URL, `TINA4_PUBSUB_URL must start with redis://, rediss://, valkey:// or valkeys://, got ${redact(url)}`);
  }
  return normalized;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

interface Connected {
  publisher: RedisClient;
  subscriber: RedisClient;
}

export class RedisTransport implements BusTransport {
  readonly kind = "redis" as const;
  readonly url: string;
  private connection: Promise<Connected> | null = null;
  /** The clients once connected (up() reads them synchronously). */
  private live: Connected | null = null;
  private readonly channels = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly deliver: Delivery, url: string, private readonly prefix = "tina4", private readonly connectTimeoutMs = 2000) {
    this.url = normalizePubSubUrl(url);
  }

  private key(channel: string): string {
    return `${this.prefix}:bus:${channel}`;
  }

  private connect(): Promise<Connected> {
    if (this.connection) return this.connection;
    const attempt = this.open();
    this.connection = attempt;
    attempt.catch(() => {
      if (this.connection === attempt) this.connection = null; // the next call tries again
    });
    return attempt;
  }

  private async open(): Promise<Connected> {
    const redis = await loadDriver<RedisDriver<RedisClient>>("redis");
    if (!redis) throw new RealtimeError(RealtimeErrorCode.BUS_DRIVER, 'TINA4_PUBSUB_URL needs the npm package "redis": npm install redis');
    const where = redact(this.url);
    const [publisher, subscriber] = await openRedis(redis, {
      url: this.url,
      connectTimeoutMs: this.connectTimeoutMs,
      disableOfflineQueue: true,
      maxBackoffMs: 1000,
      duplicates: (first) => [first.duplicate()],
      onError: (error, index) => log.debug(`pub/sub ${index === 0 ? "publisher" : "subscriber"} (${where}): ${error.message}`),
      unreachable: (cause) => new RealtimeError(RealtimeErrorCode.BUS_UNREACHABLE, `pub/sub server ${where} is unreachable: ${cause.message}`, { cause }),
    });
    this.live = { publisher, subscriber };
    return this.live;
  }

  /** Not connected yet counts as up: the first connect reports its own failure. */
  up(): boolean {
    // both connections: they reconnect independently, and a socket accepted while the publisher
    // is still offline would see its first broadcast fail
    return this.live === null || (this.live.subscriber.isReady && this.live.publisher.isReady);
  }

  async publish(channel: string, message: string): Promise<void> {
    const { publisher } = await this.connect();
    try {
      await publisher.publish(this.key(channel), message);
    } catch (error) {
      throw new RealtimeError(RealtimeErrorCode.BUS_UNREACHABLE, `publish on ${redact(this.url)} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  listen(channel: string): Promise<void> {
    let pending = this.channels.get(channel);
    if (!pending) {
      pending = this.connect().then(({ subscriber }) => subscriber.subscribe(this.key(channel), (message) => this.deliver(channel, message)));
      this.channels.set(channel, pending);
      pending.catch(() => {
        if (this.channels.get(channel) === pending) this.channels.delete(channel);
      });
    }
    return pending;
  }

  async unlisten(channel: string): Promise<void> {
    const pending = this.channels.get(channel);
    if (!pending) return;
    this.channels.delete(channel);
    await pending.catch(() => undefined);
    const connection = await this.connection?.catch(() => null);
    await connection?.subscriber.unsubscribe(this.key(channel)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    const connection = await this.connection?.catch(() => null);
    this.connection = null;
    this.live = null;
    if (!connection) return;
    await Promise.all([connection.subscriber, connection.publisher].map(closeRedis));
  }
}
