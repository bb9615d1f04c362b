/**
 * The primary's half of the local pub/sub relay (runtime/realtime/bus/cluster-relay.ts):
 * without TINA4_PUBSUB_URL, a message a worker publishes is forwarded to every other worker
 * of this primary (never back to its sender, which delivered it itself), in dev and production.
 */
import cluster, { type Worker } from "node:cluster";
import { isBusRelayMessage } from "../../runtime/realtime/bus/cluster-relay.js";

let installed = false;

export function relayBusMessages(): void {
  if (installed) return;
  installed = true;
  cluster.on("message", (sender: Worker, message: unknown) => {
    if (!isBusRelayMessage(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker || worker === sender || !worker.isConnected()) continue;
      try {
        worker.send(message);
      } catch {
        // that worker's channel just closed: it is exiting and holds no sockets any more
      }
    }
  });
}
