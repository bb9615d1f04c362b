/** Valkey speaks the Redis protocol: the redis store with its own backend name. */
import { RedisStore, type RedisStoreOptions } from "./redis.js";

export class ValkeyStore extends RedisStore {
  constructor(options: Omit<RedisStoreOptions, "backend">) {
    super({ ...options, backend: "valkey" });
  }
}
