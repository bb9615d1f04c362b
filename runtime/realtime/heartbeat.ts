/**
 * Ping/pong: every TINA4_WS_PING seconds (30; 0 turns it off) each socket is pinged; one that
 * did not answer the previous ping is a dead peer (cable pulled, laptop asleep) and is cut,
 * so its memory and room memberships go. One timer per process, only while sockets exist.
 */
import { setting } from "../config/settings.js";
import type { WsConnection } from "./socket.js";

const sockets = new Set<WsConnection>();
let timer: NodeJS.Timeout | null = null;

export function watchHeartbeat(connection: WsConnection): void {
  const seconds = setting("TINA4_WS_PING");
  if (seconds <= 0) return;
  sockets.add(connection);
  connection.ws.once("close", () => {
    sockets.delete(connection);
    if (sockets.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  });
  timer ??= setInterval(beat, seconds * 1000).unref();
}

function beat(): void {
  for (const connection of sockets) {
    if (!connection.alive) {
      connection.ws.terminate();
      continue;
    }
    connection.alive = false;
    try {
      connection.ws.ping();
    } catch {
      connection.ws.terminate(); // the socket is already gone
    }
  }
}
