import { log } from "./log.js";

type ShutdownHook = () => Promise<void> | void;

/**
 * `drain` hooks finish work that still uses the app's resources (job runners letting their
 * active jobs end); `close` hooks (the default) close those resources — DB pools, cache and
 * bus clients, lock stores. Every drain hook settles before the first close hook runs: a job
 * finishing during shutdown must still reach its database, and its outcome must be recorded.
 */
export type ShutdownPhase = "drain" | "close";

const hooks: Record<ShutdownPhase, Set<ShutdownHook>> = { drain: new Set(), close: new Set() };
/** Hooks that stay registered after they ran (see `keep`). */
const kept = new Set<ShutdownHook>();

export interface ShutdownOptions {
  phase?: ShutdownPhase;
  /**
   * Stays registered after it ran: for a module-level closer registered once at import whose
   * resources reopen on their next use. A process may shut down more than once — each
   * `testClient().close()` runs the hooks — and must release them every time.
   */
  keep?: boolean;
}

/**
 * Registers work for graceful shutdown. Hooks run after the HTTP server has drained: first
 * every `drain` hook, then every `close` hook. Returns an unregister function.
 */
export function onShutdown(hook: ShutdownHook, options: ShutdownOptions = {}): () => void {
  const phase = hooks[options.phase ?? "close"];
  phase.add(hook);
  if (options.keep) kept.add(hook);
  return () => {
    phase.delete(hook);
    kept.delete(hook);
  };
}

/** Runs every shutdown hook once, drain hooks before close hooks; a failing hook is logged and does not stop the others. */
export async function runShutdownHooks(): Promise<void> {
  await runPhase(hooks.drain);
  await runPhase(hooks.close);
}

async function runPhase(phase: Set<ShutdownHook>): Promise<void> {
  const pending = [...phase];
  for (const hook of pending) if (!kept.has(hook)) phase.delete(hook);
  await Promise.all(
    pending.map(async (hook) => {
      try {
        await hook();
      } catch (error) {
        log.warn(`shutdown hook failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }),
  );
}
