/**
 * Production start: are the app's sessions visible to every worker and machine that may serve
 * the visitor's next request? Memory keeps them in one process, file on one machine; the
 * others (redis, valkey, memcached, mongodb, database) are servers everybody shares.
 * - memory with 2+ workers is an error: node:cluster hands each new connection to the next
 *   worker, so a login (and the CSRF token of every form) is lost on most requests.
 * - memory with 1 worker, and file, are warnings: they work on this one server but not across
 *   machines (memory also ends every session at each restart).
 * Decided in docs/decisions.md ("Sessions a production start cannot share").
 */
import type { BackendName } from "../../runtime/cache/backend.js";
import type { SessionStoreUse } from "../../runtime/session/usage.js";

export interface SharingProblem {
  level: "error" | "warning";
  message: string;
}

const SHARED: ReadonlySet<BackendName> = new Set<BackendName>(["redis", "valkey", "memcached", "mongodb", "database"]);

/** Where the backend came from, said so the user knows what to edit. */
function origin(use: SessionStoreUse): string {
  if (use.source === "option") return `session({ backend: "${use.backend}" }) in the app`;
  if (use.source === "TINA4_SESSION_BACKEND") return `TINA4_SESSION_BACKEND=${use.backend}`;
  return `TINA4_SESSION_BACKEND is unset, so sessions follow TINA4_CACHE_BACKEND=${use.backend}`;
}

/** The change to make, naming the setting and the value. */
function fix(use: SessionStoreUse, value: string, cacheBackend: string): string {
  if (use.source === "option") return `change it to session({ backend: "${value}" })`;
  if (SHARED.has(cacheBackend as BackendName) && use.source === "TINA4_SESSION_BACKEND") {
    return `Remove TINA4_SESSION_BACKEND (e.g. from .env) so sessions follow TINA4_CACHE_BACKEND, or set it to ${cacheBackend}`;
  }
  return `set TINA4_SESSION_BACKEND=${value}`;
}

/** The most serious problem of the stores in `uses` for `workers` workers, or null when all are shared. */
export function sessionSharingProblem(uses: readonly SessionStoreUse[], workers: number, cacheBackend: string): SharingProblem | null {
  const memory = uses.find((use) => use.backend === "memory");
  if (memory && workers > 1) {
    return {
      level: "error",
      message:
        `sessions are kept in each worker's memory (${origin(memory)}), and ${workers} workers serve in turn: a visitor who logs in on one ` +
        `is unknown to the next, and forms fail their CSRF check. ${capital(fix(memory, "file", cacheBackend))} (the workers of this machine share files; ` +
        `database or redis/valkey for several machines), or serve with --workers 1`,
    };
  }
  const shared = SHARED.has(cacheBackend as BackendName) ? cacheBackend : "database";
  if (memory) {
    return {
      level: "warning",
      message:
        `sessions are kept in this worker's memory (${origin(memory)}): every restart logs everybody out, and no other machine sees them. ` +
        capital(fix(memory, shared, cacheBackend)) + (shared === "database" ? " (the app's own database, nothing else to run)" : ""),
    };
  }
  const file = uses.find((use) => use.backend === "file");
  if (file) {
    const split = SHARED.has(cacheBackend as BackendName) ? ` while the cache is on ${cacheBackend}` : "";
    return {
      level: "warning",
      message:
        `sessions are on the file backend (${origin(file)})${split}: the workers of this machine share them, but other instances never see them, ` +
        `so behind a load balancer a visitor sent to another machine is logged out. For several machines: ${fix(file, shared, cacheBackend)}` +
        (shared === "database" ? " (the app's own database, nothing else to run)" : ""),
    };
  }
  return null;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
