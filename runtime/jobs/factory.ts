/**
 * The process's queue backend, opened on first use from the environment (or from
 * `configureQueue`). A failed open is not cached, so a later call retries; graceful shutdown
 * closes it after the HTTP server has drained.
 */
import { setting } from "../config/settings.js";
import { onShutdown } from "../lifecycle.js";
import type { QueueBackend } from "./backend.js";
import { queueTarget, readQueueConfig, type QueueConfig } from "./config.js";
import { sampleDepth } from "./depth.js";

let overrides: Partial<QueueConfig> = {};
let current: Promise<QueueBackend> | null = null;
let unregister: (() => void) | null = null;
/** Running processor runners: graceful shutdown stops them (active jobs finish) before closing the backend. */
const runners = new Set<{ stop(graceMs: number): Promise<void> }>();

/** Registers a runner for graceful shutdown; returns the unregister function. */
export function trackRunner(runner: { stop(graceMs: number): Promise<void> }): () => void {
  runners.add(runner);
  return () => runners.delete(runner);
}

/**
 * Shutdown's drain phase: runners get TINA4_SHUTDOWN_TIMEOUT to finish their jobs while the
 * database, cache and bus those jobs use are still open; the backend itself closes in the
 * close phase, with them.
 */
async function stopRunners(): Promise<void> {
  const graceMs = setting("TINA4_SHUTDOWN_TIMEOUT") * 1000;
  await Promise.all([...runners].map((runner) => runner.stop(graceMs)));
}

async function open(config: QueueConfig): Promise<QueueBackend> {
  if (config.backend === "database") {
    const { DatabaseQueueBackend } = await import("./backends/database.js");
    return DatabaseQueueBackend.open(config);
  }
  const { BullmqQueueBackend } = await import("./backends/bullmq.js");
  return BullmqQueueBackend.open(config);
}

/** The backend every `queue(name)` of this process uses. */
export function queueBackend(): Promise<QueueBackend> {
  if (current === null) {
    let config: QueueConfig;
    try {
      config = readQueueConfig(overrides);
    } catch (error) {
      return Promise.reject(error);
    }
    const opening = open(config);
    current = opening;
    opening.then(
      (backend) => {
        if (unregister === null) {
          const unregisterDrain = onShutdown(stopRunners, { phase: "drain" });
          const unregisterClose = onShutdown(closeQueues);
          unregister = () => {
            unregisterDrain();
            unregisterClose();
          };
        }
        if (current === opening) sampleDepth(backend);
      },
      () => {
        if (current === opening) current = null;
      },
    );
  }
  return current;
}

/**
 * Where this process's queue lives: configureQueue()'s overrides over the environment, as the
 * backend opens with them. Throws on a bad TINA4_QUEUE_BACKEND.
 */
export function configuredQueue(): Pick<QueueConfig, "backend" | "url"> {
  return queueTarget(overrides);
}

/**
 * Overrides settings (backend, url, prefix, table, timeouts) for this process; the next
 * queue call opens a backend with them. Closes the backend that was open.
 */
export async function configureQueue(settings: Partial<QueueConfig> = {}): Promise<void> {
  await closeQueues();
  overrides = { ...settings };
}

/** Stops this process's queue workers (without waiting for their jobs) and closes the backend. */
export async function closeQueues(): Promise<void> {
  const backend = current;
  current = null;
  sampleDepth(null);
  unregister?.();
  unregister = null;
  if (backend) await backend.then((b) => b.close(), () => undefined);
}
