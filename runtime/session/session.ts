/**
 * `req.session`: one visitor's data, kept server-side in a cache backend. Reads and writes are
 * in memory during the request; the middleware saves once at the end, and only when something
 * changed (or when the sliding expiry is due for a refresh). `regenerate` and `destroy` act on
 * the store at once, so a logout on one instance is seen by every other.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { SessionApi } from "../auth/types.js";
import { newSessionId } from "./cookie.js";

/** What is stored per session (JSON). */
export interface SessionRecord {
  /** The data. */
  d: Record<string, unknown>;
  /** The CSRF token, once one was asked for. */
  c: string | null;
  /** Saved at (epoch ms): when the sliding expiry was last pushed out. */
  t: number;
  /** Flash data for the next request (`flash()`); absent when there is none. */
  f?: Record<string, unknown>;
}

export function isSessionRecord(value: unknown): value is SessionRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as SessionRecord;
  return typeof record.d === "object" && record.d !== null && !Array.isArray(record.d) && (record.c === null || typeof record.c === "string") && typeof record.t === "number" &&
    (record.f === undefined || (typeof record.f === "object" && record.f !== null && !Array.isArray(record.f)));
}

export class Session implements SessionApi {
  #id: string | null;
  #data: Record<string, unknown>;
  #csrf: string | null;
  #savedAt: number;
  #dirty = false;
  #destroyed = false;
  /** What the previous request flashed: readable during this request only. */
  readonly #flashed: Readonly<Record<string, unknown>>;
  /** What this request flashes for the next one. */
  #flashNext: Record<string, unknown> | null = null;
  readonly #remove: (id: string) => Promise<void>;
  readonly isNew: boolean;

  /**
   * `id` and `record` are those loaded for the request's cookie, or null for a new session;
   * `remove` deletes a stored session (regenerate and destroy call it at once).
   */
  constructor(id: string | null, record: SessionRecord | null, remove: (id: string) => Promise<void>) {
    this.#id = record ? id : null;
    this.isNew = record === null;
    this.#data = record ? { ...record.d } : {};
    this.#csrf = record?.c ?? null;
    this.#savedAt = record?.t ?? 0;
    this.#remove = remove;
    this.#flashed = Object.freeze(record?.f ?? {});
    // shown once: the stored session is written back without them at the end of this request
    if (record?.f !== undefined) this.#dirty = true;
  }

  get id(): string | null {
    return this.#id;
  }

  /** True when the session must be written back (new data, new id, new CSRF token). */
  get dirty(): boolean {
    return this.#dirty;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get savedAt(): number {
    return this.#savedAt;
  }

  get<T = unknown>(key: string): T | undefined {
    return (Object.hasOwn(this.#data, key) ? this.#data[key] : undefined) as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) return this.delete(key);
    // values round-trip through JSON: fail here, in the handler, not at save time
    this.#data[key] = JSON.parse(JSON.stringify(value)) as unknown;
    this.#touch();
  }

  delete(key: string): void {
    if (!Object.hasOwn(this.#data, key)) return;
    delete this.#data[key];
    this.#touch();
  }

  all(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.#data)) as Record<string, unknown>;
  }

  /**
   * Keeps `value` for the next request of this session only (a message to show after a
   * redirect: "Post published"), where `flashed(key)` and the templates' `flash` read it.
   */
  flash(key: string, value: unknown): void {
    if (value === undefined) {
      if (this.#flashNext !== null && Object.hasOwn(this.#flashNext, key)) delete this.#flashNext[key];
      return;
    }
    this.#flashNext ??= {};
    this.#flashNext[key] = JSON.parse(JSON.stringify(value)) as unknown;
    this.#touch();
  }

  /** What the previous request flashed under `key`. */
  flashed<T = unknown>(key: string): T | undefined {
    return (Object.hasOwn(this.#flashed, key) ? this.#flashed[key] : undefined) as T | undefined;
  }

  /** Everything the previous request flashed (read-only; empty when nothing). */
  flashes(): Readonly<Record<string, unknown>> {
    return this.#flashed;
  }

  async regenerate(): Promise<void> {
    const old = this.#id;
    this.#id = newSessionId();
    this.#csrf = null;
    this.#destroyed = false;
    this.#dirty = true;
    if (old !== null) await this.#remove(old);
  }

  async destroy(): Promise<void> {
    const old = this.#id;
    this.#id = null;
    this.#data = {};
    this.#flashNext = null; // a flash set after destroy() starts a new session (a "logged out" message)
    this.#csrf = null;
    this.#dirty = false;
    this.#destroyed = true;
    if (old !== null) await this.#remove(old);
  }

  csrfToken(): string {
    if (this.#csrf === null) {
      this.#csrf = randomBytes(32).toString("base64url");
      this.#touch();
    }
    return this.#csrf;
  }

  /** True when `candidate` is this session's CSRF token (constant time). */
  checkCsrfToken(candidate: unknown): boolean {
    if (this.#csrf === null || typeof candidate !== "string") return false;
    // compare bytes: a non-ASCII candidate as long as the token in characters is longer in bytes
    const given = Buffer.from(candidate);
    const expected = Buffer.from(this.#csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The record to store, with a fresh id when the session had none. */
  toRecord(now: number): { id: string; record: SessionRecord } {
    this.#id ??= newSessionId();
    this.#savedAt = now;
    this.#dirty = false;
    const record: SessionRecord = { d: this.#data, c: this.#csrf, t: now };
    if (this.#flashNext !== null && Object.keys(this.#flashNext).length > 0) record.f = this.#flashNext;
    return { id: this.#id, record };
  }

  #touch(): void {
    this.#dirty = true;
    this.#destroyed = false;
  }
}
