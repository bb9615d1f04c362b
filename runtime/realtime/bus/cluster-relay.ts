/**
 * The worker side of the local relay: a `tina4 serve` worker without TINA4_PUBSUB_URL
 * delivers its own publishes here and sends them to the cluster primary, which forwards them
 * to every other worker (cli/cluster/bus-relay.ts), so `--workers N` on one machine reaches
 * every client with no Redis. The primary never echoes a message back to its sender.
 */
import { InProcessTransport } from "./in-process.js";
import type { Delivery } from "./transport.js";

/** The IPC message the relay exchanges with the primary (plain JSON, like cli/cluster/protocol.ts). */
export interface BusRelayMessage {
  type: "tina4:bus";
  channel: string;
  message: string;
}

export const BUS_RELAY_TYPE = "tina4:bus";

export function isBusRelayMessage(value: unknown): value is BusRelayMessage {
  const candidate = value as BusRelayMessage | null;
  return typeof candidate === "object" && candidate !== null && candidate.type === BUS_RELAY_TYPE && typeof candidate.channel === "string" && typeof candidate.message === "string";
}

export class ClusterRelayTransport extends InProcessTransport {
  override readonly kind = "cluster" as const;
  private readonly onMessage = (value: unknown) => {
    if (isBusRelayMessage(value)) super.publish(value.channel, value.message).catch(() => undefined);
  };

  constructor(deliver: Delivery) {
    super(deliver);
    process.on("message", this.onMessage);
  }

  override publish(channel: string, message: string): Promise<void> {
    if (process.connected) process.send!({ type: BUS_RELAY_TYPE, channel, message } satisfies BusRelayMessage);
    return super.publish(channel, message);
  }

  override close(): Promise<void> {
    process.off("message", this.onMessage);
    return super.close();
  }
}
