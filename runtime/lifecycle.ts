import { log } from "./log.js";

type ShutdownHook = () => Promise<void> | void;
const hooks = new Set<ShutdownHook>();

/**
 * Registers work for graceful shutdown (close DB pools, cache clients...). Hooks run after
 * the HTTP server has drained. Returns an unregister function.
 */
export function onShutdown(hook: ShutdownHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Runs every shutdown hook once; a failing hook is logged and does not stop the others. */
export async function runShutdownHooks(): Promise<void> {
  const pending = [...hooks];
  hooks.clear();
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
