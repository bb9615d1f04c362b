/**
 * Cache calls as child spans of the request's span (SPEC §14), named `cache get`, `cache set`,
 * `cache delete`, `cache incr`, `cache clear`, with `cache.backend`, `cache.namespace` and, for
 * lookups, `cache.hit`. Keys are never recorded: they routinely hold what users sent or own —
 * session ids (secrets), URLs with their query strings (response cache), client IPs (rate
 * limits), e-mail addresses and ids in app keys — and a trace backend is not the place for
 * them. Called only while tracing is on (`tracingActive`), so an untraced cache pays nothing
 * more than that one check.
 */
import type { Attributes } from "@opentelemetry/api";
import { recordChild, traceChild, type ChildKind } from "../ops/tracing.js";
import type { BackendName, CacheLookup } from "./backend.js";

export type TracedOperation = "get" | "set" | "delete" | "incr" | "clear";

interface Described {
  readonly backend: BackendName;
  readonly namespace: string;
}

/** memory and file answer in this process; the others call a server. */
function kindOf(backend: BackendName): ChildKind {
  return backend === "memory" || backend === "file" ? "internal" : "client";
}

function attributesOf(cache: Described): Attributes {
  return { "cache.backend": cache.backend, "cache.namespace": cache.namespace };
}

const describeLookup = (lookup: CacheLookup<unknown>): Attributes => ({ "cache.hit": lookup.hit });

export function traceCacheCall<T>(cache: Described, operation: TracedOperation, run: () => Promise<T>): Promise<T> {
  const describe = operation === "get" ? (describeLookup as (value: T) => Attributes) : undefined;
  return traceChild(`cache ${operation}`, attributesOf(cache), run, describe, kindOf(cache.backend));
}

/** A lookup answered synchronously (memory): recorded as a finished `cache get` span. */
export function recordCachePeek(cache: Described, lookup: CacheLookup<unknown>): void {
  recordChild("cache get", { ...attributesOf(cache), "cache.hit": lookup.hit }, kindOf(cache.backend));
}
