/**
 * Readiness checks behind `GET /__ready` (SPEC §3). A layer that depends on another server —
 * the database, a network cache — registers a check here; the HTTP core runs the checks
 * without importing those layers. Results are reused for a while (1 s by default), so a load
 * balancer polling every instance often costs at most one probe per check per second.
 */
import { warnEvery } from "./log.js";

/** Resolves when the dependency answers; throws or rejects (with the reason) when it does not. */
export type ReadinessCheck = () => unknown;

export interface ReadinessCheckOptions {
  /** How long a result is reused, in ms (default 1000; 0 runs the check on every request). */
  maxAgeMs?: number;
  /** A run that takes longer counts as a failure, in ms (default 2000). */
  timeoutMs?: number;
  /** Whether the check applies now (e.g. only when its server is configured); default always. */
  enabled?: () => boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Check name → "ok" | "unavailable". */
  checks: Record<string, "ok" | "unavailable">;
  /** Check name → why it failed (shown in dev only: messages can name internal hosts). */
  reasons: Record<string, string>;
}

interface Entry {
  check: ReadinessCheck;
  maxAgeMs: number;
  timeoutMs: number;
  enabled: () => boolean;
  last: { at: number; result: Promise<string | null>; settled: boolean } | null;
}

const entries = new Map<string, Entry>();

/**
 * Registers `check` under `name` (shown in the `/__ready` body); a later registration under
 * the same name replaces it. Returns a function that removes it.
 */
export function addReadinessCheck(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): () => void {
  const entry: Entry = {
    check,
    maxAgeMs: options.maxAgeMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 2000,
    enabled: options.enabled ?? (() => true),
    last: null,
  };
  entries.set(name, entry);
  return () => {
    if (entries.get(name) === entry) entries.delete(name);
  };
}

/** Runs every enabled check (or reuses its recent result) and reports them all. */
export async function checkReadiness(): Promise<ReadinessReport> {
  const report: ReadinessReport = { ready: true, checks: {}, reasons: {} };
  const running = [...entries].filter(([, entry]) => entry.enabled()).map(async ([name, entry]) => [name, await resultOf(name, entry)] as const);
  for (const [name, failure] of await Promise.all(running)) {
    report.checks[name] = failure === null ? "ok" : "unavailable";
    if (failure !== null) {
      report.ready = false;
      report.reasons[name] = failure;
    }
  }
  return report;
}

function resultOf(name: string, entry: Entry): Promise<string | null> {
  const now = Date.now();
  const last = entry.last;
  // A run still in flight is shared, whatever its age: callers never pile up probes.
  if (last && (!last.settled || now - last.at < entry.maxAgeMs)) return last.result;
  const current = {
    at: now,
    settled: false,
    result: run(entry).then((failure) => {
      current.settled = true;
      if (failure !== null) warnEvery(`ready:${name}`, `readiness check "${name}" failed: ${failure}`);
      return failure;
    }),
  };
  entry.last = current;
  return current.result;
}

/** null when the check passed, else the reason it failed. */
async function run(entry: Entry): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${entry.timeoutMs} ms`), entry.timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(entry.check).then(() => null), timedOut]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
