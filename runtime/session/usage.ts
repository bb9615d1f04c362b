/**
 * Which session stores the loaded app uses, and which setting chose each. `tina4 serve
 * --production` reads this once the app has loaded in a worker: sessions a store keeps in one
 * process (memory) or on one machine (file) are then reported at start, on the primary,
 * instead of surfacing as logouts (cli/cluster/session-sharing.ts).
 */
import type { BackendName } from "../cache/backend.js";

/** What picked the backend: the app's code, TINA4_SESSION_BACKEND, or the cache backend it follows. */
export type SessionBackendSource = "option" | "TINA4_SESSION_BACKEND" | "TINA4_CACHE_BACKEND";

export interface SessionStoreUse {
  backend: BackendName;
  source: SessionBackendSource;
}

const uses = new Map<string, SessionStoreUse>();

/** Called by every session() the app creates (TINA4_SESSION=true's included). */
export function recordSessionStore(use: SessionStoreUse): void {
  uses.set(`${use.backend}|${use.source}`, { ...use });
}

/** The session stores created so far, one entry per backend and source. */
export function sessionStoresInUse(): SessionStoreUse[] {
  return [...uses.values()];
}
