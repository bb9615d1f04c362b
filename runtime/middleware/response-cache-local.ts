import { randomBytes } from "node:crypto";
import { BOOKKEEPING_PREFIX, type CacheBackend } from "../cache/backend.js";

/**
 * How responseCache lays out a response on a backend outside the process (Redis, Valkey,
 * memcached, file, a database), and the decoded copies each process keeps of them.
 *
 * A hit used to fetch the whole stored response, body included, on every request: creating
 * that string and collecting it cost more CPU than everything else in a Redis hit (a 5 KB
 * entry: 20 µs per GET against 5 µs for a short value, measured). So the URL's key holds a
 * short version id and the response itself lives beside it under `~body:<url>`: a hit reads the
 * version (with the path's generation, one MGET) and answers from this process's decoded copy
 * of that version; only a version this process has not seen yet fetches the body. The version
 * is written after the body, so a version a reader finds always has its body stored. A Vary
 * variant's key is laid out the same way (`~body:<url>|<header>=<value>...`).
 *
 * These copies are the only ones a process keeps of such responses: responseCache opens these
 * backends without the backend's own memo (sharedDecoded), which would hold the fetched JSON
 * text beside the same decoded entry under a second, key-count-only bound. So a response is
 * held once, bounded here by count and by characters.
 */
export const BODY = `${BOOKKEEPING_PREFIX}body:`;

/** Bounds on the decoded copies kept per backend (the oldest goes first): how many, and their bodies' size. */
const MAX_LOCAL = 1000;
const MAX_LOCAL_CHARS = 32 * 1024 * 1024;

/** What a kept copy must carry: its version and its stored body text (for the size bound). */
interface Versioned {
  v?: string;
  b: string;
}

/** Decoded responses by URL, each tagged with the version it was stored under. */
export class LocalEntries<E extends Versioned> {
  readonly #entries = new Map<string, E>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxEntries = MAX_LOCAL, maxChars = MAX_LOCAL_CHARS) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  /** The copy of `url` stored as `version`, if this process has it. */
  get(url: string, version: string): E | undefined {
    const entry = this.#entries.get(url);
    return entry !== undefined && entry.v === version ? entry : undefined;
  }

  set(url: string, entry: E): void {
    this.#drop(url);
    if (entry.b.length > this.#maxChars) return;
    while (this.#entries.size >= this.#maxEntries || this.#chars + entry.b.length > this.#maxChars) {
      this.#drop(this.#entries.keys().next().value as string);
    }
    this.#entries.set(url, entry);
    this.#chars += entry.b.length;
  }

  /** Copies kept and their bodies' characters (tests). */
  get size(): { entries: number; chars: number } {
    return { entries: this.#entries.size, chars: this.#chars };
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }

  #drop(url: string): void {
    const old = this.#entries.get(url);
    if (old === undefined) return;
    this.#entries.delete(url);
    this.#chars -= old.b.length;
  }
}

const locals = new WeakMap<CacheBackend, LocalEntries<Versioned>>();

/** The decoded copies kept for one backend (shared by every responseCache() using it). */
export function localEntries<E extends Versioned>(backend: CacheBackend): LocalEntries<E> {
  let local = locals.get(backend);
  if (local === undefined) {
    local = new LocalEntries();
    locals.set(backend, local);
  }
  return local as LocalEntries<E>;
}

/** Whether responses on this backend are split into a version and a body (all but memory, which is in-process). */
export function storesVersions(backend: CacheBackend): boolean {
  return backend.backend !== "memory";
}

/** A fresh version id (random: a counter lost and counted again could meet an old copy). */
export function newVersion(): string {
  return randomBytes(9).toString("base64url");
}
