/**
 * Write invalidation by generation, never by clearing.
 *
 * - Local (request scope): a counter per database identity in this process, bumped by every
 *   write; a request-scope entry remembers the counter of when its read started and is
 *   served only while it is unchanged.
 * - Shared (persistent): a random token per database identity at `gen:<hash>` in the dbcache
 *   namespace. Entries carry the token read *before* their query ran; a write replaces the
 *   token *after* it committed and before it returns. An entry whose query could have missed
 *   a committed write therefore always carries an old token, and tokens never repeat
 *   (random), so an old entry can never become valid again — not after eviction of the
 *   token, not after two writers race. Other databases' tokens and other namespaces are
 *   untouched.
 *
 * Per-table versions were rejected: which tables a statement changes is not knowable from
 * its text (triggers, ON DELETE CASCADE, views, functions with side effects).
 */
import { randomBytes } from "node:crypto";
import { log, warnEvery } from "../../log.js";
import type { CacheBackend } from "../../cache/backend.js";

const localGenerations = new Map<string, number>();

export function localGeneration(database: string): number {
  return localGenerations.get(database) ?? 0;
}

export function bumpLocalGeneration(database: string): void {
  localGenerations.set(database, (localGenerations.get(database) ?? 0) + 1);
}

export function newToken(): string {
  return randomBytes(12).toString("base64url");
}

const RETRY_MS = 250;

/**
 * The shared generation of one database. When the backend cannot confirm a bump (outage),
 * or this process saw the backend fail at all, the generation is *pending*: this process
 * serves nothing from the persistent cache and retries the bump in the background until it
 * lands, so entries cached before the outage die as soon as the backend is back.
 */
export class SharedGeneration {
  #pending = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly cache: CacheBackend,
    readonly key: string,
    private readonly label: string,
  ) {}

  get pending(): boolean {
    return this.#pending;
  }

  /** The backend's health signal: failures it absorbed so far (see CacheBackend.failures). */
  failures(): number {
    return this.cache.failures;
  }

  /** Replaces the token; resolves true when the backend confirmed it. Never rejects. */
  async bump(): Promise<boolean> {
    const before = this.cache.failures;
    const token = newToken();
    let confirmed = false;
    try {
      // issued together: on one connection the read-back follows the write (one round trip)
      const [, back] = await Promise.all([this.cache.set(this.key, token, 0), this.cache.get(this.key)]);
      confirmed = back.hit && this.cache.failures === before;
    } catch (error) {
      log.debug(`db cache: generation bump failed: ${String(error)}`);
    }
    if (confirmed) this.#settle();
    else this.markPending();
    return confirmed;
  }

  /** The backend failed (or a bump was unconfirmed): distrust the cache until a bump lands. */
  markPending(): void {
    if (this.#closed) return;
    if (!this.#pending) {
      warnEvery(`dbcache:${this.label}`, `db cache (${this.label}): backend unavailable; queries go to the database and cached entries are invalidated once it is back`);
    }
    this.#pending = true;
    if (this.#retry === undefined) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        void this.bump();
      }, RETRY_MS);
      this.#retry.unref();
    }
  }

  #settle(): void {
    if (this.#pending) log.info(`db cache (${this.label}): backend back, generation renewed`);
    this.#pending = false;
    if (this.#retry !== undefined) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }
}
