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
  result: Promise<RawResult>;
}

/** Entries of one request, keyed by database identity + mode + SQL + params. */
export class RequestScope {
  readonly entries = new Map<string, ScopedEntry>();
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
