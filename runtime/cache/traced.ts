/**
 * Cache calls as child spans of the request's span (SPEC §14), named `cache get`, `cache set`,
 * `cache delete`, `cache incr`, `cache clear`, with `cache.backend`, `cache.namespace` and, for
 * lookups, `cache.hit`. A server failure the cache absorbed (a miss or a no-op to its caller)
 * marks the span failed, `error.type` T4_ERR_CACHE_UNAVAILABLE. Keys are never recorded: they
 * routinely hold what users sent or own — session ids (secrets), URLs with their query strings
 * (response cache), client IPs (rate limits), e-mail addresses and ids in app keys — and a trace
 * backend is not the place for them. Called only while tracing is on (`tracingActive`), so an
 * untraced cache pays nothing more than that one check.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Attributes, Span } from "@opentelemetry/api";
import { failSpan, recordChild, traceChild, type ChildKind } from "../ops/tracing.js";
import type { BackendName, CacheLookup } from "./backend.js";
import { CacheErrorCode } from "./errors.js";

export type TracedOperation = "get" | "set" | "delete" | "incr" | "clear";

interface Described {
  readonly backend: BackendName;
  readonly namespace: string;
}

/** What ResilientStore reports about the traced call it runs in. */
interface CallNote {
  absorbed?: unknown;
}
const currentCall = new AsyncLocalStorage<CallNote>();

/** memory and file answer in this process; the others call a server. */
function kindOf(backend: BackendName): ChildKind {
  return backend === "memory" || backend === "file" ? "internal" : "client";
}

function attributesOf(cache: Described): Attributes {
  return { "cache.backend": cache.backend, "cache.namespace": cache.namespace };
}

export function traceCacheCall<T>(cache: Described, operation: TracedOperation, run: () => Promise<T>): Promise<T> {
  const note: CallNote = {};
  const finish = (span: Span, value: T): void => {
    if (operation === "get") span.setAttribute("cache.hit", (value as CacheLookup<unknown>).hit);
    // the caller got a miss or a no-op, but the trace says why: the server failed or is known down
    if (note.absorbed !== undefined) failSpan(span, note.absorbed, CacheErrorCode.UNAVAILABLE);
  };
  return traceChild(`cache ${operation}`, attributesOf(cache), () => currentCall.run(note, run), finish, kindOf(cache.backend));
}

/**
 * ResilientStore calls it (only while tracing is on) when it turns a server failure into a miss
 * or a no-op, so the traced call's span shows the failure the caller never sees.
 */
export function noteAbsorbedFailure(failure: unknown): void {
  const note = currentCall.getStore();
  if (note) note.absorbed = failure;
}

/** A lookup answered synchronously (memory): recorded as a finished `cache get` span. */
export function recordCachePeek(cache: Described, lookup: CacheLookup<unknown>): void {
  recordChild("cache get", { ...attributesOf(cache), "cache.hit": lookup.hit }, kindOf(cache.backend));
}
