/**
 * The cluster IPC messages that sum /__metrics across workers: a worker that counts announces
 * itself once (`metrics-ready`); the worker answering the scrape asks the primary
 * (`metrics-request`), the primary asks every announced worker for its own figures
 * (`metrics-collect` → `metrics-data`), adds them up and answers (`metrics-result`). Workers
 * that never announced (a standby worker not yet booted) are not waited for.
 */
export type MetricsJson = unknown[];

export type MetricsWorkerMessage =
  | { type: "metrics-ready" }
  | { type: "metrics-request"; id: number }
  | { type: "metrics-data"; id: number; metrics: MetricsJson };

export type MetricsPrimaryMessage =
  | { type: "metrics-collect"; id: number }
  | { type: "metrics-result"; id: number; text: string; workers: number };

export function isMetricsWorkerMessage(message: unknown): message is MetricsWorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === "metrics-ready" || type === "metrics-request" || type === "metrics-data";
}

export function isMetricsPrimaryMessage(message: unknown): message is MetricsPrimaryMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === "metrics-collect" || type === "metrics-result";
}
