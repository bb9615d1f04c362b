/**
 * The primary's half of /__metrics in a cluster (runtime/ops/metrics.ts): a worker asked for
 * the metrics; the primary collects the figures of every connected worker that has announced
 * it counts (a standby worker that has not booted would only make the scrape wait), sums them with
 * prom-client's AggregatorRegistry (counters and histograms add up) and answers that worker.
 * A worker that does not answer within the timeout is left out rather than failing the scrape.
 */
import cluster, { type Worker } from "node:cluster";
import { createRequire } from "node:module";
import { isMetricsWorkerMessage, type MetricsJson, type MetricsPrimaryMessage, type MetricsWorkerMessage } from "../../runtime/ops/metrics-protocol.js";

const require = createRequire(import.meta.url);
let installed = false;
let nextId = 0;
const collecting = new Map<number, { results: MetricsJson[]; expected: number; done: () => void }>();
/** Workers that sent `metrics-ready`; forgotten when they exit. */
const counting = new Set<Worker>();

function send(worker: Worker, message: MetricsPrimaryMessage): boolean {
  try {
    if (!worker.isConnected()) return false;
    worker.send(message);
    return true;
  } catch {
    return false; // that worker's channel just closed: it is exiting
  }
}

async function sumFor(requester: Worker, requestId: number, timeoutMs: number): Promise<void> {
  const id = ++nextId;
  const results: MetricsJson[] = [];
  const workers = [...counting];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    let expected = 0;
    function finish(): void {
      clearTimeout(timer);
      collecting.delete(id);
      resolve();
    }
    collecting.set(id, { results, expected: 0, done: finish });
    for (const worker of workers) if (send(worker, { type: "metrics-collect", id })) expected++;
    collecting.get(id)!.expected = expected;
    if (expected === 0) finish();
  });
  const prom = require("prom-client") as typeof import("prom-client");
  const text = await prom.AggregatorRegistry.aggregate(results as Parameters<typeof prom.AggregatorRegistry.aggregate>[0]).metrics();
  send(requester, { type: "metrics-result", id: requestId, text, workers: results.length });
}

export function relayMetrics(timeoutMs = 1_000): void {
  if (installed) return;
  installed = true;
  cluster.on("exit", (worker: Worker) => counting.delete(worker));
  cluster.on("message", (sender: Worker, message: unknown) => {
    if (!isMetricsWorkerMessage(message)) return;
    const msg = message as MetricsWorkerMessage;
    if (msg.type === "metrics-ready") {
      counting.add(sender);
      return;
    }
    if (msg.type === "metrics-request") {
      void sumFor(sender, msg.id, timeoutMs);
      return;
    }
    const round = collecting.get(msg.id);
    if (!round) return; // arrived after the timeout
    round.results.push(msg.metrics);
    if (round.results.length >= round.expected) round.done();
  });
}
