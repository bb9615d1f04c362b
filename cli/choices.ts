import { ENGINES } from "../runtime/db/engines.js";
import type { Engine } from "../runtime/db/types.js";

interface DatabaseChoice {
  readonly title: string;
  readonly url: (name: string) => string;
  readonly driver: string;
}

/** Engines and cache backends `init` offers, with what each needs (the engines as the runtime knows them). */
export const databaseChoices: { readonly [E in Engine]: DatabaseChoice } = Object.fromEntries(
  (Object.keys(ENGINES) as Engine[]).map((engine) => {
    const info = ENGINES[engine];
    return [engine, { title: info.label, url: (name: string) => info.exampleUrl(name), driver: info.driver }];
  }),
) as { readonly [E in Engine]: DatabaseChoice };

export const cacheChoices = {
  memory: { title: "Memory (per process)", url: null, driver: null },
  file: { title: "File (data/cache)", url: null, driver: null },
  redis: { title: "Redis", url: "redis://127.0.0.1:6379", driver: "redis" },
  valkey: { title: "Valkey", url: "redis://127.0.0.1:6379", driver: "redis" },
  memcached: { title: "Memcached", url: "memcached://127.0.0.1:11211", driver: "memjs" },
  mongodb: { title: "MongoDB", url: "mongodb://127.0.0.1:27017/cache", driver: "mongodb" },
  database: { title: "Database table (TINA4_DATABASE_URL)", url: null, driver: null },
} as const;

export type DatabaseEngine = keyof typeof databaseChoices;
export type CacheBackendName = keyof typeof cacheChoices;
