/**
 * The request scope of the query cache: one `RequestScope` per HTTP request, carried by
 * AsyncLocalStorage, so two requests never share entries. `App` enters a scope only once a
 * Database with request caching exists (`requestScopesEnabled`), so apps without a
 * database pay nothing on the HTTP hot path.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RawResult } from "../adapters/adapter.js";

export interface ScopedEntry {
  /** The process-local generation of the database when the read started. */
  gen: number;
  /** epoch ms */
  expires: number;
  result: Promise<RawResult>;
}

/** Entries of one request, keyed by database identity + mode + SQL + params. */
export class RequestScope {
  readonly entries = new Map<string, ScopedEntry>();
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Set once a Database with TINA4_AUTO_CACHING is connected; read by App on every request. */
export let requestScopesEnabled = false;

export function enableRequestScopes(): void {
  requestScopesEnabled = true;
}

/** Runs `fn` in a fresh request scope: reads inside it may be answered from the scope. */
export function runInRequestScope<R>(fn: () => R): R {
  return storage.run(new RequestScope(), fn);
}

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
