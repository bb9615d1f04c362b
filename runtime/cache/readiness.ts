/**
 * `/__ready` checks a configured network cache (TINA4_CACHE_BACKEND redis, valkey, memcached
 * or mongodb, or `database` pointed at its own TINA4_CACHE_URL): it connects (or joins the
 * process's shared client) and reads one key. A `database` cache without its own URL uses
 * the app's database, which the "database" check already covers. The
 * cache degrades to misses when its server is down, so the app still answers; readiness tells
 * the balancer that this instance runs degraded. At most once a second (runtime/ready.ts).
 */
import { setting } from "../config/settings.js";
import { addReadinessCheck } from "../ready.js";
import { NAMESPACES, type BackendName } from "./backend.js";
import { defaultUrl, parseBackendName, readCacheSettings } from "./config.js";
import { openNetworkStore } from "./factory.js";

type NetworkBackend = Extract<BackendName, "redis" | "valkey" | "memcached" | "mongodb" | "database">;
const NETWORK: ReadonlySet<string> = new Set<NetworkBackend>(["redis", "valkey", "memcached", "mongodb"]);

/** A `database` cache with a URL of its own (not the app's database, checked as "database"). */
function ownDatabaseUrl(): boolean {
  const url = readCacheSettings().url;
  return url !== undefined && url !== setting("TINA4_DATABASE_URL");
}

/** The configured network backend, or null (memory, file, the app's database, or a bad name). */
function networkBackend(): NetworkBackend | null {
  try {
    const backend = parseBackendName(setting("TINA4_CACHE_BACKEND"));
    if (backend === "database") return ownDatabaseUrl() ? backend : null;
    return NETWORK.has(backend) ? (backend as NetworkBackend) : null;
  } catch {
    return null; // an unknown name already fails `tina4 serve` at start (SPEC §6)
  }
}

async function reachCache(): Promise<void> {
  const backend = networkBackend()!;
  const settings = readCacheSettings();
  const store = await openNetworkStore(backend, {
    namespace: NAMESPACES.kv,
    url: settings.url ?? defaultUrl(backend) ?? "",
    connectTimeoutMs: settings.connectTimeoutMs,
    prefix: undefined,
  });
  try {
    // a shared client may exist while its server is gone: only a command proves it answers
    await store.get("__tina4_ready");
  } finally {
    await store.close();
  }
}

addReadinessCheck("cache", reachCache, { enabled: () => networkBackend() !== null });
