/**
 * Who is told when a session id ends (`destroy()`: a logout; `regenerate()`: the old id). The
 * realtime side listens, so WebSockets that a session authenticated close on every worker and
 * instance (runtime/realtime/hub.ts); sessions know nothing of sockets.
 */
import { log } from "../log.js";

type Listener = (id: string) => void;
const listeners = new Set<Listener>();

/** Calls `listener(id)` whenever a stored session is ended in this process; returns the removal. */
export function onSessionEnded(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Tells every listener that `id` ended (a listener that throws is logged, never the caller's failure). */
export function sessionEnded(id: string): void {
  for (const listener of listeners) {
    try {
      listener(id);
    } catch (error) {
      log.warn(`session end listener failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}
