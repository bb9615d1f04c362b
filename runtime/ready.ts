/**
 * Readiness checks behind `GET /__ready` (SPEC §3). A layer that depends on another server —
 * the database, a network cache — registers a check here; the HTTP core runs the checks
 * without importing those layers. Results are reused for a while (1 s by default), so a load
 * balancer polling every instance often costs at most one probe per check per second; checks
 * registered with the same function (one server used by several consumers: the KV cache,
 * sessions and responseCache on one Redis) share one probe.
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
  /**
   * The short state shown in `checks` for a failure (default "unavailable"), e.g.
   * "authentication failed". It is public in production: never a host name, URL or secret.
   */
  describe?: (error: unknown) => string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Check name → "ok", or the failure's short state ("unavailable", "authentication failed", ...). */
  checks: Record<string, string>;
  /** Check name → why it failed (shown in dev only: messages can name internal hosts). */
  reasons: Record<string, string>;
}

/** Why a run failed: the short public state and the full message. */
interface Failure {
  state: string;
  reason: string;
}

interface Run {
  at: number;
  settled: boolean;
  result: Promise<Failure | null>;
}

interface Entry {
  /** The check to run now, or null when it does not apply. */
  current: () => ReadinessCheck | null;
  maxAgeMs: number;
  timeoutMs: number;
  describe: (error: unknown) => string;
}

const entries = new Map<string, Entry>();
/** The last run of each check function, shared by every name registered with it. */
const runs = new WeakMap<ReadinessCheck, Run>();

const UNAVAILABLE = (): string => "unavailable";

/**
 * Registers `check` under `name` (shown in the `/__ready` body); a later registration under
 * the same name replaces it. Returns a function that removes it.
 */
export function addReadinessCheck(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): () => void {
  const enabled = options.enabled;
  return register(name, enabled === undefined ? () => check : () => (enabled() ? check : null), options);
}

/**
 * Registers a check whose target can change while the app runs (the queue's server follows
 * configureQueue()): `current` returns the check to run now, or null when none applies.
 * Results are shared per function returned, so a new target is probed at once instead of
 * being answered with the old one's recent result.
 */
export function addReadinessTarget(name: string, current: () => ReadinessCheck | null, options: Omit<ReadinessCheckOptions, "enabled"> = {}): () => void {
  return register(name, current, options);
}

function register(name: string, current: () => ReadinessCheck | null, options: ReadinessCheckOptions): () => void {
  const entry: Entry = {
    current,
    maxAgeMs: options.maxAgeMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 2000,
    describe: options.describe ?? UNAVAILABLE,
  };
  entries.set(name, entry);
  return () => {
    if (entries.get(name) === entry) entries.delete(name);
  };
}

/**
 * Checks shared by several users, one per key (a database or cache server several objects
 * use): the first `acquire` adds it, the release of the last user removes it.
 */
export class SharedReadinessChecks {
  readonly #entries = new Map<string, { users: number; remove: () => void }>();

  /** Counts one more user of `key`'s check (`add` registers it if none is); returns this user's release, safe to call twice. */
  acquire(key: string, add: () => () => void): () => void {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { users: 0, remove: add() };
      this.#entries.set(key, entry);
    }
    const current = entry;
    current.users++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--current.users > 0) return;
      current.remove();
      if (this.#entries.get(key) === current) this.#entries.delete(key);
    };
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }
}

/** Whether a check is registered under `name` (enabled or not). */
export function hasReadinessCheck(name: string): boolean {
  return entries.has(name);
}

/** Runs every enabled check (or reuses its recent result) and reports them all. */
export async function checkReadiness(): Promise<ReadinessReport> {
  const report: ReadinessReport = { ready: true, checks: {}, reasons: {} };
  const running: Array<Promise<readonly [string, Failure | null]>> = [];
  for (const [name, entry] of entries) {
    const check = entry.current();
    if (check !== null) running.push(resultOf(name, entry, check).then((failure) => [name, failure] as const));
  }
  for (const [name, failure] of await Promise.all(running)) {
    report.checks[name] = failure === null ? "ok" : failure.state;
    if (failure !== null) {
      report.ready = false;
      report.reasons[name] = failure.reason;
    }
  }
  return report;
}

function resultOf(name: string, entry: Entry, check: ReadinessCheck): Promise<Failure | null> {
  const now = Date.now();
  const last = runs.get(check);
  // A run still in flight is shared, whatever its age: callers never pile up probes.
  if (last && (!last.settled || now - last.at < entry.maxAgeMs)) return last.result.then((failure) => warned(name, failure));
  const current: Run = {
    at: now,
    settled: false,
    result: run(entry, check).then((failure) => {
      current.settled = true;
      return failure;
    }),
  };
  runs.set(check, current);
  return current.result.then((failure) => warned(name, failure));
}

/** Logs a failing check (at most every 30 s per name: a balancer polls often). */
function warned(name: string, failure: Failure | null): Failure | null {
  if (failure !== null) warnEvery(`ready:${name}`, `readiness check "${name}" failed (${failure.state}): ${failure.reason}`);
  return failure;
}

/** null when the check passed, else why it failed. */
async function run(entry: Entry, check: ReadinessCheck): Promise<Failure | null> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Failure>((resolve) => {
    timer = setTimeout(() => resolve({ state: "unavailable", reason: `no answer within ${entry.timeoutMs} ms` }), entry.timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check).then(() => null), timedOut]);
  } catch (error) {
    return { state: stateOf(entry, error), reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

function stateOf(entry: Entry, error: unknown): string {
  try {
    return entry.describe(error) || "unavailable";
  } catch {
    return "unavailable";
  }
}
