/**
 * The request context: per-request state for layers below the HTTP core (the DB query cache
 * keeps its request-scoped entries here), carried by one AsyncLocalStorage that `App` enters
 * for each request. The HTTP core knows the context, not what is kept in it: a layer declares
 * a slot and asks for contexts (`wantRequestContexts`) when it is first used, so an app that
 * never needs one pays a single boolean check per request and no AsyncLocalStorage at all.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** One kind of value kept per request; `create` makes it the first time a request asks. */
export interface ContextSlot<T> {
  /** For debugging only. */
  readonly name: string;
  readonly create: () => T;
}

export function contextSlot<T>(name: string, create: () => T): ContextSlot<T> {
  return Object.freeze({ name, create });
}

export class RequestContext {
  #values: Map<ContextSlot<unknown>, unknown> | undefined;

  /** The slot's value for this request, created on first use. */
  get<T>(slot: ContextSlot<T>): T {
    this.#values ??= new Map();
    if (this.#values.has(slot)) return this.#values.get(slot) as T;
    const value = slot.create();
    this.#values.set(slot, value);
    return value;
  }

  /** The slot's value if this request already made one. */
  peek<T>(slot: ContextSlot<T>): T | undefined {
    return this.#values?.get(slot) as T | undefined;
  }
}

const storage = new AsyncLocalStorage<RequestContext>();

/** True once some layer asked for request contexts; `App` reads it on every request. */
export let requestContextsWanted = false;

/** Called by a layer that keeps per-request state (once is enough; it never turns off). */
export function wantRequestContexts(): void {
  requestContextsWanted = true;
}

/** Runs `fn` in a fresh request context (App does it per request; scripts and tests may too). */
export function runInRequestContext<R>(fn: () => R): R {
  return storage.run(new RequestContext(), fn);
}

/** The calling async context's request context, or undefined outside any request. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
