/**
 * The request scope of the query cache: one `RequestScope` per HTTP request, kept in the
 * request context (runtime/context.ts), so two requests never share entries. The first
 * Database with request caching asks for request contexts, so apps without a database pay
 * nothing on the HTTP hot path.
 */
import { contextSlot, currentRequestContext, runInRequestContext, wantRequestContexts } from "../../context.js";
import type { RawResult } from "../adapters/adapter.js";

export interface ScopedEntry {
  /** The process-local generation of the database when the read started. */
  gen: number;
  /** epoch ms */
  expires: number;
  /** A private copy of the result once the read has finished (callers may mutate theirs). */
  snapshot: RawResult | undefined;
  /** Settles when the read does. */
  pending: Promise<unknown>;
}

/**
 * Entries of one request: statement (an object per database, mode and SQL) → params key →
 * entry. Two levels, so a read never builds and hashes one long key of SQL and params.
 */
export class RequestScope {
  readonly #statements = new Map<object, Map<string, ScopedEntry>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Whether this request read `statement` through the scope at all. */
  has(statement: object): boolean {
    return this.#statements.has(statement);
  }

  get(statement: object, params: string): ScopedEntry | undefined {
    return this.#statements.get(statement)?.get(params);
  }

  set(statement: object, params: string, entry: ScopedEntry): void {
    let byParams = this.#statements.get(statement);
    if (byParams === undefined) {
      byParams = new Map();
      this.#statements.set(statement, byParams);
    }
    if (!byParams.has(params)) this.#size++;
    byParams.set(params, entry);
  }

  /** Removes the entry if it is still the one stored (a failed read). */
  delete(statement: object, params: string, entry: ScopedEntry): void {
    const byParams = this.#statements.get(statement);
    if (byParams?.get(params) === entry) {
      byParams.delete(params);
      this.#size--;
    }
  }

  clear(): void {
    this.#statements.clear();
    this.#size = 0;
  }
}

const SCOPE = contextSlot("db query cache", () => new RequestScope());

/** Called once a Database with TINA4_AUTO_CACHING is connected: App then gives each request a context. */
export function enableRequestScopes(): void {
  wantRequestContexts();
}

/** Runs `fn` in a fresh request scope: reads inside it may be answered from the scope. */
export function runInRequestScope<R>(fn: () => R): R {
  return runInRequestContext(fn);
}

/** True inside a request (or runInRequestScope), where reads may use the scope. */
export function inRequestScope(): boolean {
  return currentRequestContext() !== undefined;
}

/** This request's scope (made on first use), or undefined outside any request. */
export function currentRequestScope(): RequestScope | undefined {
  return currentRequestContext()?.get(SCOPE);
}

/** This request's scope if a read already made it. */
export function existingRequestScope(): RequestScope | undefined {
  return currentRequestContext()?.peek(SCOPE);
}
