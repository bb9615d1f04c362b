/**
 * The pub/sub bus contract. A transport carries text messages on named channels to every
 * process of the app — this one included, exactly once each. Three transports:
 * - in-process (one process, tests, `listen()`),
 * - cluster relay (a `tina4 serve` worker without TINA4_PUBSUB_URL: the primary forwards to
 *   the other local workers),
 * - redis (TINA4_PUBSUB_URL: every worker of every instance, one subscriber connection each).
 */
export type Delivery = (channel: string, message: string) => void;

export interface BusTransport {
  readonly kind: "memory" | "cluster" | "redis";
  /** Sends `message` to every process listening on `channel`, this one included, once each. */
  publish(channel: string, message: string): Promise<void>;
  /** Starts receiving `channel`; resolves once messages published from now on will arrive. */
  listen(channel: string): Promise<void>;
  /** Stops receiving `channel`. */
  unlisten(channel: string): Promise<void>;
  /**
   * False while a transport that was connected has lost its server (Redis down, reconnecting):
   * what is published now does not reach this process. In-process and relay transports are always up.
   */
  up(): boolean;
  /** Releases connections (graceful shutdown). */
  close(): Promise<void>;
}

/** Builds a transport that hands every message it receives to `deliver`. */
export type TransportFactory = (deliver: Delivery) => BusTransport;
