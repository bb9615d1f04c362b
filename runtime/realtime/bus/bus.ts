/**
 * The process's pub/sub bus: `publish(channel, data)` reaches every `subscribe(channel, fn)`
 * in every worker and instance of the app. The transport is chosen once, on first use:
 * TINA4_PUBSUB_URL (else the queue's or cache's Redis/Valkey) → Redis/Valkey; else inside a `tina4 serve` worker → the cluster relay;
 * else in-process. WebSocket and SSE broadcasts travel on it (channel "rooms", see hub.ts);
 * app channels are JSON values.
 */
import cluster from "node:cluster";
import { setting } from "../../config/settings.js";
import { log } from "../../log.js";
import { onShutdown } from "../../lifecycle.js";
import { checkName, RealtimeError, RealtimeErrorCode } from "../errors.js";
import { InProcessTransport } from "./in-process.js";
import { ClusterRelayTransport } from "./cluster-relay.js";
import type { BusTransport, Delivery } from "./transport.js";

export type BusListener = (message: string, channel: string) => void;

/** What `subscribe` returns: call it to unsubscribe; `ready` settles once messages will arrive. */
export interface Unsubscribe {
  (): void;
  readonly ready: Promise<void>;
}

let transport: BusTransport | null = null;
let pendingRedis: Promise<BusTransport> | null = null;
/**
 * The channels a transport adopted after closeBus() listens to again; publishes wait for them,
 * so a message published now still reaches this process's listeners (with Redis, a PUBLISH
 * could otherwise overtake the SUBSCRIBE sent on the other connection).
 */
let relistening: Promise<unknown> | null = null;
const listeners = new Map<string, Set<BusListener>>();

const deliver: Delivery = (channel, message) => {
  const set = listeners.get(channel);
  if (!set) return;
  for (const listener of set) {
    try {
      listener(message, channel);
    } catch (error) {
      log.error(`pub/sub listener on "${channel}" threw: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
};

const REDIS_BACKEND = /^\s*(redis|valkey)\s*$/i;

/**
 * TINA4_PUBSUB_URL, else the Redis/Valkey the app already shares between instances (the
 * queue's, then the cache's, as locks choose): an app whose cache is on Redis reaches the
 * sockets of every instance without a setting of its own. Else none (in-process / relay).
 */
function pubsubUrl(): string {
  const explicit = setting("TINA4_PUBSUB_URL") ?? "";
  if (explicit) return explicit;
  if (REDIS_BACKEND.test(setting("TINA4_QUEUE_BACKEND"))) return setting("TINA4_QUEUE_URL") ?? "redis://127.0.0.1:6379";
  if (REDIS_BACKEND.test(setting("TINA4_CACHE_BACKEND"))) return setting("TINA4_CACHE_URL") ?? "redis://127.0.0.1:6379";
  return "";
}

/** The transport for this process (created on first use). */
export function busTransport(): Promise<BusTransport> {
  if (transport) return Promise.resolve(transport);
  const url = pubsubUrl();
  if (url) {
    pendingRedis ??= import("./redis.js").then(({ RedisTransport }) =>
      adopt(new RedisTransport(deliver, url, setting("TINA4_PUBSUB_PREFIX"), setting("TINA4_PUBSUB_CONNECT_TIMEOUT"))),
    );
    return pendingRedis;
  }
  return Promise.resolve(adopt(cluster.isWorker && typeof process.send === "function" ? new ClusterRelayTransport(deliver) : new InProcessTransport(deliver)));
}

/** Makes `next` the transport; channels listened to before (a transport closed by closeBus) carry over. */
function adopt(next: BusTransport): BusTransport {
  transport = next;
  if (listeners.size > 0) {
    const all = Promise.all([...listeners.keys()].map((channel) => next.listen(channel).catch(() => undefined)));
    relistening = all;
    void all.then(() => {
      if (relistening === all) relistening = null;
    });
  }
  return next;
}

let clientless = false;

/**
 * Declares that this process serves no WebSocket or SSE client (`tina4 worker`): a broadcast
 * over its in-process bus would reach nobody, so broadcast() refuses it (T4_ERR_WS_BUS_LOCAL).
 */
export function markClientless(): void {
  clientless = true;
}

/** True when this process holds no client and its bus is in-process: its broadcasts reach nobody. */
export function broadcastsGoNowhere(current: BusTransport): boolean {
  return clientless && current.kind === "memory";
}

/** Which transport this process uses (after first use): "memory", "cluster" or "redis". */
export function busKind(): BusTransport["kind"] | null {
  return transport?.kind ?? null;
}

/** False while the bus's server is lost after it was connected (see BusTransport.up). */
export function busUp(): boolean {
  return transport?.up() ?? true;
}

/** Publishes raw text (the hub's broadcasts). Rejects with RealtimeError when the server cannot take it. */
export async function publishText(channel: string, message: string): Promise<void> {
  const current = await busTransport();
  if (relistening !== null) await relistening;
  await current.publish(channel, message);
}

/** Listens to raw text on `channel`. */
export function listenText(channel: string, listener: BusListener): Unsubscribe {
  let set = listeners.get(channel);
  if (!set) listeners.set(channel, (set = new Set()));
  set.add(listener);
  // the transport shares one subscription per channel; later listeners wait for the same one
  const ready = busTransport().then((t) => t.listen(channel));
  ready.catch((error: unknown) => log.error(`pub/sub: cannot listen on "${channel}": ${(error as Error).message}`));
  const unsubscribe = (() => {
    const current = listeners.get(channel);
    if (!current?.delete(listener) || current.size > 0) return;
    listeners.delete(channel);
    void transport?.unlisten(channel).catch(() => undefined);
  }) as Unsubscribe;
  Object.defineProperty(unsubscribe, "ready", { value: ready });
  return unsubscribe;
}

function userChannel(channel: string): string {
  return `app:${checkName("channel", channel)}`;
}

/**
 * Sends `data` (any JSON value) to every subscriber of `channel` in every worker and
 * instance. Resolves once handed to the transport; a failure is logged and also rejects
 * (an unawaited publish never crashes the process).
 */
export function publish(channel: string, data: unknown): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    return Promise.reject(new RealtimeError(RealtimeErrorCode.PAYLOAD, `publish("${channel}"): the data is not JSON-serialisable: ${(error as Error).message}`));
  }
  if (text === undefined) return Promise.reject(new RealtimeError(RealtimeErrorCode.PAYLOAD, `publish("${channel}"): the data is not JSON-serialisable`));
  const sent = publishText(userChannel(channel), text);
  sent.catch((error: unknown) => log.error(`publish("${channel}") failed: ${(error as Error).message}`));
  return sent;
}

/**
 * Calls `fn(data, channel)` for every message published on `channel` by any worker or
 * instance (this one included). Returns the unsubscribe function; `await unsubscribe.ready`
 * to know the subscription is live (with Redis, the server confirmed it).
 */
export function subscribe<T = unknown>(channel: string, fn: (data: T, channel: string) => void): Unsubscribe {
  if (typeof fn !== "function") throw new RealtimeError(RealtimeErrorCode.HANDLERS, `subscribe("${channel}", fn): fn must be a function`);
  return listenText(userChannel(channel), (message) => fn(JSON.parse(message) as T, channel));
}

/** Closes the transport (graceful shutdown; tests). Listeners stay registered for a later transport. */
export async function closeBus(): Promise<void> {
  const current = transport ?? (await pendingRedis?.catch(() => null)) ?? null;
  transport = null;
  pendingRedis = null;
  relistening = null;
  await current?.close();
}

onShutdown(closeBus, { keep: true });
