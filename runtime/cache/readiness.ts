/**
 * `/__ready` checks every network cache server the app uses (SPEC §3): it connects (or joins
 * the process's shared client) and reads one key. The cache degrades to misses when its server
 * is down, so the app still answers; readiness tells the balancer that this instance runs
 * degraded (or, for sessions, answers 503 to signed-in visitors).
 *
 * - `cache`: the configured KV cache (TINA4_CACHE_BACKEND redis, valkey, memcached or mongodb,
 *   or `database` at a TINA4_CACHE_URL of its own), configured or not yet opened;
 * - one check per other consumer and server, named by the consumer: `responseCache`,
 *   `sessions`, `queryCache`, `rateLimit` (`#2`, `#3` for a second server of one consumer),
 *   from when a consumer declares the server (session(), responseCache()) or opens it, until
 *   it closes. A consumer on the configured cache's server is left to `cache`; a `database`
 *   cache on the app's database to the "database" check.
 *
 * Names never hold a URL (the body is public). Consumers of one server share one probe, run at
 * most once a second (runtime/ready.ts).
 */
import { setting } from "../config/settings.js";
import { SharedReadinessChecks, addReadinessCheck, hasReadinessCheck, type ReadinessCheck } from "../ready.js";
import { NAMESPACES, type BackendName } from "./backend.js";
import { defaultUrl, parseBackendName, readCacheSettings } from "./config.js";
import { openNetworkStore } from "./network-store.js";

export type NetworkBackend = Extract<BackendName, "redis" | "valkey" | "memcached" | "mongodb" | "database">;
const NETWORK: ReadonlySet<string> = new Set<NetworkBackend>(["redis", "valkey", "memcached", "mongodb", "database"]);

/** The check name of each cache consumer (its namespace). */
const CONSUMERS: Record<string, string> = {
  [NAMESPACES.kv]: "cache",
  [NAMESPACES.response]: "responseCache",
  [NAMESPACES.session]: "sessions",
  [NAMESPACES.dbcache]: "queryCache",
  [NAMESPACES.ratelimit]: "rateLimit",
};

export function consumerName(namespace: string): string {
  return CONSUMERS[namespace] ?? `cache:${namespace}`;
}

export function isNetworkBackend(backend: string): backend is NetworkBackend {
  return NETWORK.has(backend);
}

/** The server a backend and URL mean (the URL the backend defaults to when none is given). */
function serverKey(backend: NetworkBackend, url: string | undefined): string {
  // valkey speaks the redis protocol: one server whichever name the consumer used
  const protocol = backend === "valkey" ? "redis" : backend;
  return `${protocol}|${url ?? defaultUrl(backend) ?? ""}`;
}

/** A `database` cache on the app's own database: the "database" check covers it. */
function onAppDatabase(backend: NetworkBackend, url: string | undefined): boolean {
  return backend === "database" && (url === undefined || url === setting("TINA4_DATABASE_URL"));
}

/** The configured KV cache's network server, or null (memory, file, the app's database, or a bad name). */
function configuredServer(): { backend: NetworkBackend; url: string | undefined } | null {
  try {
    const backend = parseBackendName(setting("TINA4_CACHE_BACKEND"));
    const url = readCacheSettings().url;
    if (!isNetworkBackend(backend) || onAppDatabase(backend, url)) return null;
    return { backend, url };
  } catch {
    return null; // an unknown name already fails `tina4 serve` at start (SPEC §6)
  }
}

const probes = new Map<string, ReadinessCheck>();

/** One probe function per server: every check of that server shares its runs (runtime/ready.ts). */
export function cacheServerProbe(backend: NetworkBackend, url: string | undefined): ReadinessCheck {
  const key = serverKey(backend, url);
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = () => reach(backend, url ?? defaultUrl(backend) ?? "");
    probes.set(key, probe);
  }
  return probe;
}

async function reach(backend: NetworkBackend, url: string): Promise<void> {
  const store = await openNetworkStore(backend, {
    namespace: NAMESPACES.kv,
    url,
    connectTimeoutMs: readCacheSettings().connectTimeoutMs,
    prefix: undefined,
  });
  try {
    // a shared client may exist while its server is gone: only a command proves it answers
    await store.get("__tina4_ready");
  } finally {
    await store.close();
  }
}

async function reachConfigured(): Promise<void> {
  const server = configuredServer()!;
  await cacheServerProbe(server.backend, server.url)();
}

addReadinessCheck("cache", reachConfigured, { enabled: () => configuredServer() !== null });

/** Whether the "cache" check already probes this server (a consumer on it needs no check of its own). */
export function coveredByCacheCheck(backend: NetworkBackend, url: string | undefined): boolean {
  const configured = configuredServer();
  return configured !== null && serverKey(configured.backend, configured.url) === serverKey(backend, url);
}

const watched = new SharedReadinessChecks();

/**
 * Adds `consumer`'s cache server to the readiness checks (no-op for memory and file); returns
 * the function that takes it out again once the consumer no longer uses it.
 */
export function watchCacheServer(consumer: string, backend: BackendName, url: string | undefined): () => void {
  if (!isNetworkBackend(backend) || onAppDatabase(backend, url)) return () => undefined;
  const server = serverKey(backend, url);
  return watched.acquire(`${consumer}|${server}`, () => {
    let name = consumer;
    for (let n = 2; hasReadinessCheck(name); n++) name = `${consumer}#${n}`;
    return addReadinessCheck(name, cacheServerProbe(backend, url), { enabled: () => !coveredByCacheCheck(backend, url) });
  });
}
