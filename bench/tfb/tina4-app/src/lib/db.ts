import { Database } from "tina4";

let shared: Promise<Database> | undefined;
let cached: Promise<Database> | undefined;

/** The app's database (TINA4_DATABASE_URL), opened on first use. */
export function database(): Promise<Database> {
  return (shared ??= Database.connect());
}

/**
 * The same database with the persistent query cache in process memory: /cached-queries reads
 * CachedWorld through it. That table never changes, so entries live an hour.
 */
export function cachedDatabase(): Promise<Database> {
  return (cached ??= Database.connect(undefined, { queryCache: { persistent: true, backend: "memory", ttl: 3600 } }));
}

export type World = { id: number; randomNumber: number };

export const WORLD_BY_ID = 'SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = ?';
export const CACHED_WORLD_BY_ID = 'SELECT id, randomnumber AS "randomNumber" FROM cachedworld WHERE id = ?';
