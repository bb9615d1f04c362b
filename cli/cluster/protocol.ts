/**
 * Messages between the serve primary (the CLI process, which owns the listening socket
 * through node:cluster) and its workers. Plain JSON over the cluster IPC channel.
 */

import type { BusRelayMessage } from "../../runtime/realtime/bus/cluster-relay.js";
import type { MetricsPrimaryMessage, MetricsWorkerMessage } from "../../runtime/ops/metrics-protocol.js";

/** What a worker needs to start; passed in the TINA4_WORKER environment variable. */
export interface WorkerConfig {
  mode: "dev" | "production";
  root: string;
  port: number;
  host: string;
  /** Absolute path of the app bundle (dev: rebuilt by the primary on change; production: `tina4 build`). */
  bundle: string;
  /** Start, then wait for a `boot` message (dev keeps one such spare warm). */
  standby?: boolean;
  /** Dev: no request log lines (`tina4 serve --quiet`). */
  quiet?: boolean;
  /** Production: run the job processors of src/jobs/ in this worker too (`serve --production --with-worker`). */
  withWorker?: boolean;
  /** Production: how many workers serve in turn (sessions kept in memory cannot be shared by 2+). */
  workers?: number;
}

/** Where and why app code failed to load (syntax error, throwing import, bad export). */
export interface LoadError {
  message: string;
  /** Path relative to the app root, when known. */
  file?: string;
  line?: number;
  column?: number;
  /** A few source lines around the failing line, `>` marking it. */
  frame?: string;
  stack?: string;
}

export type WorkerMessage =
  | { type: "standby" }
  /** `sessionWarning`: the app's sessions are not shared by every machine (cli/cluster/session-sharing.ts). */
  | { type: "ready"; routes: number; loadMs: number; port: number; sessionWarning?: string }
  /** Production: the app loaded but must not serve as configured (memory sessions on 2+ workers); it waits to be stopped. */
  | { type: "refused"; message: string }
  | { type: "load-error"; error: LoadError }
  | { type: "listen-error"; code: string; message: string }
  /**
   * Sent once the worker's server is closed, right before it exits; the primary answers
   * `leave`. See leaveCluster() in worker.ts: without this round trip a connection handed to
   * a worker that is exiting stays in the primary unanswered forever.
   */
  | { type: "leaving" }
  /** The worker's last message, sent after `leave`: once written, every reply before it is too. */
  | { type: "left" }
  /** A pub/sub message published in this worker (no TINA4_PUBSUB_URL): the primary forwards it to the others. */
  | BusRelayMessage
  /** /__metrics: ask the primary for the cluster sum, or answer its collection (runtime/ops/metrics.ts). */
  | MetricsWorkerMessage;

export type PrimaryMessage =
  /**
   * Load the app and listen. `config` replaces the fork-time config: a production worker is
   * forked before the primary has parsed its options (port, host) — see prefork.ts.
   */
  | { type: "boot"; config?: WorkerConfig }
  /** Dev: serve only the load error (no good worker to fall back on). */
  | { type: "serve-error"; error: LoadError }
  /** Dev: a newer load failed; answer with its error page until replaced (null clears). */
  | { type: "error-mode"; error: LoadError | null }
  /** Stop accepting, let in-flight and keep-alive clients finish gently, exit 0 (reload, rolling restart). */
  | { type: "retire" }
  /** Stop accepting, drain in-flight within TINA4_SHUTDOWN_TIMEOUT, run shutdown hooks, exit 0. */
  | { type: "shutdown" }
  /** Dev: a browser live-reload event for the worker's SSE clients. */
  | { type: "live"; event: "reload" | "css"; path?: string }
  /** The answer to `leaving`: every connection handed to this worker before it was sent has arrived. */
  | { type: "leave" }
  /** A pub/sub message from another worker (see cli/cluster/bus-relay.ts). */
  | BusRelayMessage
  /** /__metrics: send this worker's figures, or the summed text it asked for (cli/cluster/metrics-relay.ts). */
  | MetricsPrimaryMessage;

export const WORKER_ENV = "TINA4_WORKER";

/** Global under which worker-loader.ts offers the worker a "save the code cache now" callback. */
export const CODE_CACHE_HOOK = Symbol.for("tina4.worker.saveCodeCache");
