/**
 * In-process LRU. Every instance with the same namespace in one process shares one map (so
 * the KV API and a route's responseCache see the same entries), and namespaces never see
 * each other. Values are kept as JSON text: a caller mutating an object after `set` or
 * after `get` never changes what the cache holds.
 */
import type { CacheStore } from "../backend.js";

interface Entry {
  text: string;
  /** epoch ms; 0 = no expiry */
  expires: number;
  /** Space.placed when the entry was last put at the newest end of the map. */
  placed: number;
}

interface Space {
  entries: Map<string, Entry>;
  maxEntries: number;
  /** Counts placements at the newest end (sets and LRU bumps). */
  placed: number;
}

const spaces = new Map<string, Space>();

export interface MemoryStoreOptions {
  namespace: string;
  /** LRU bound per namespace (TINA4_CACHE_MAX_ENTRIES, 1000). The last instance created sets it. */
  maxEntries: number;
}

export class MemoryStore implements CacheStore {
  readonly backend = "memory" as const;
  readonly namespace: string;
  #space: Space;

  constructor(options: MemoryStoreOptions) {
    this.namespace = options.namespace;
    const maxEntries = Math.max(1, Math.trunc(options.maxEntries));
    let space = spaces.get(options.namespace);
    if (!space) {
      space = { entries: new Map(), maxEntries, placed: 0 };
      spaces.set(options.namespace, space);
    }
    space.maxEntries = maxEntries;
    this.#space = space;
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.getNow(key));
  }

  /** The same lookup without a promise: the data is in this process. */
  getNow(key: string): string | undefined {
    const space = this.#space;
    const entry = space.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires !== 0 && entry.expires <= Date.now()) {
      space.entries.delete(key);
      return undefined;
    }
    // Most recently used goes to the newest end. An entry placed fewer than maxEntries/2
    // placements ago is already far from eviction, so it stays put: a delete + set per hit
    // leaves a tombstone in the Map and made hot keys measurably slower.
    if (space.placed - entry.placed >= space.maxEntries >> 1) {
      space.entries.delete(key);
      space.entries.set(key, entry);
      entry.placed = ++space.placed;
    }
    return entry.text;
  }

  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.getNow(key)));
  }

  set(key: string, text: string, ttlMs: number): Promise<void> {
    this.#put(key, text, ttlMs > 0 ? Date.now() + ttlMs : 0);
    return Promise.resolve();
  }

  /** Synchronous, so two increments in this process can never interleave. */
  incr(key: string, ttlMs: number): Promise<number> {
    const now = Date.now();
    const entry = this.#space.entries.get(key);
    const live = entry !== undefined && (entry.expires === 0 || entry.expires > now) ? Number(entry.text) : Number.NaN;
    const count = Number.isSafeInteger(live) ? live + 1 : 1;
    this.#put(key, String(count), count === 1 ? (ttlMs > 0 ? now + ttlMs : 0) : entry!.expires);
    return Promise.resolve(count);
  }

  #put(key: string, text: string, expires: number): void {
    const space = this.#space;
    const { entries, maxEntries } = space;
    entries.delete(key);
    entries.set(key, { text, expires, placed: ++space.placed });
    if (entries.size > maxEntries) this.#evict();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#space.entries.delete(key));
  }

  clear(): Promise<void> {
    this.#space.entries.clear();
    return Promise.resolve();
  }

  size(): Promise<number> {
    this.#purgeExpired();
    return Promise.resolve(this.#space.entries.size);
  }

  close(): Promise<void> {
    // the namespace map belongs to the process, like a server's data; close drops nothing
    return Promise.resolve();
  }

  /** Drops least recently used entries (the front of the map) until within the bound. O(1) per set. */
  #evict(): void {
    const { entries, maxEntries } = this.#space;
    for (const key of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(key);
    }
  }

  #purgeExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.#space.entries) {
      if (entry.expires !== 0 && entry.expires <= now) this.#space.entries.delete(key);
    }
  }
}
