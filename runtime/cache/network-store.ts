/**
 * Opens a store on a network backend (redis, valkey, memcached, mongodb, database), the
 * drivers loaded on demand. createCache wraps it; readiness probes open one to read a key.
 */
import type { BackendName, CacheStore } from "./backend.js";

export interface NetworkOptions {
  namespace: string;
  url: string;
  connectTimeoutMs: number;
  prefix: string | undefined;
}

export async function openNetworkStore(backend: Exclude<BackendName, "memory" | "file">, options: NetworkOptions): Promise<CacheStore> {
  switch (backend) {
    case "redis":
    case "valkey": {
      const { RedisStore } = await import("./backends/redis.js");
      return new RedisStore({ ...options, backend }).open();
    }
    case "memcached": {
      const { MemcachedStore } = await import("./backends/memcached.js");
      return new MemcachedStore(options).open();
    }
    case "mongodb": {
      const { MongoStore } = await import("./backends/mongodb.js");
      return new MongoStore(options).open();
    }
    case "database": {
      const { DatabaseStore } = await import("./backends/database.js");
      return new DatabaseStore(options).open();
    }
  }
}
