/**
 * `GET /__metrics` (SPEC §14, TINA4_METRICS=true): Prometheus text from prom-client.
 * `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`
 * are counted in App hooks; `route` is the pattern (or "unmatched"), so the label set stays
 * small whatever clients request. Database, cache, queue and real-time figures come from
 * layer-metrics.ts. In a cluster the worker answering the scrape asks the
 * primary for the sum over all workers (metrics-protocol.ts, cli/cluster/metrics-relay.ts).
 * TINA4_METRICS_TOKEN, when set, must come as `Authorization: Bearer <token>`.
 */
import cluster from "node:cluster";
import { timingSafeEqual } from "node:crypto";
import type { Registry } from "prom-client";
import type { App } from "../app.js";
import type { Request } from "../http/request.js";
import type { SentResponse } from "../http/hooks.js";
import { HttpError } from "../http/errors.js";
import { packageRequire } from "../package-require.js";
import { OpsErrorCode } from "./errors.js";
import { isMetricsPrimaryMessage, type MetricsPrimaryMessage, type MetricsWorkerMessage } from "./metrics-protocol.js";
import { setting } from "../config/settings.js";
import { installLayerMetrics } from "./layer-metrics.js";
import { EventCounter, EventHistogram } from "./scraped-metric.js";

interface HttpMetrics {
  registry: Registry;
  requests: EventCounter;
  duration: EventHistogram;
}

let metrics: HttpMetrics | null = null;

/** The process's registry and HTTP metrics, made on first use. */
export function httpMetrics(): HttpMetrics {
  if (metrics) return metrics;
  const prom = packageRequire()("prom-client") as typeof import("prom-client");
  const registry = new prom.Registry();
  metrics = {
    registry,
    // plain numbers per request, samples at scrape time (scraped-metric.ts): no prom-client call per request
    requests: new EventCounter(registry, "http_requests_total", "HTTP requests answered", ["method", "route", "status"]),
    duration: new EventHistogram(registry, "http_request_duration_seconds", "Time from routing to the end of the response", ["method", "route"], [
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]),
  };
  installLayerMetrics(prom, registry);
  return metrics;
}

function record(req: Request, res: SentResponse, ms: number): void {
  const { requests, duration } = httpMetrics();
  const route = req.route ?? "unmatched";
  requests.inc(req.method, route, res.raw.statusCode);
  duration.observe(ms / 1000, req.method, route);
}

function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given?.startsWith("Bearer ")) return false;
  const a = Buffer.from(given.slice(7));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- cluster: the worker side of the sum ----------------------------------------------------

let nextId = 0;
const pending = new Map<number, (text: string | null) => void>();
let listening = false;

function inCluster(): boolean {
  return cluster.isWorker && typeof process.send === "function" && process.connected;
}

function listenToPrimary(): void {
  if (listening || !inCluster()) return;
  listening = true;
  process.on("message", (message: unknown) => {
    if (!isMetricsPrimaryMessage(message)) return;
    const msg = message as MetricsPrimaryMessage;
    if (msg.type === "metrics-collect") {
      void httpMetrics()
        .registry.getMetricsAsJSON()
        .then((json) => process.send?.({ type: "metrics-data", id: msg.id, metrics: json } satisfies MetricsWorkerMessage));
    } else {
      pending.get(msg.id)?.(msg.text);
      pending.delete(msg.id);
    }
  });
  process.send?.({ type: "metrics-ready" } satisfies MetricsWorkerMessage);
}

/** The summed text from the primary, or null when it does not answer within `timeoutMs`. */
function clusterMetrics(timeoutMs = 2_000): Promise<string | null> {
  return new Promise((resolve) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(null);
    }, timeoutMs);
    pending.set(id, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    process.send!({ type: "metrics-request", id } satisfies MetricsWorkerMessage);
  });
}

/** The Prometheus text this process serves: the cluster's sum when in one, else its own figures. */
export async function metricsText(): Promise<string> {
  if (inCluster()) {
    const summed = await clusterMetrics();
    if (summed !== null) return summed;
  }
  return httpMetrics().registry.metrics();
}

export interface MetricsOptions {
  /** Required as `Authorization: Bearer <token>` (default TINA4_METRICS_TOKEN; unset: open). */
  token?: string;
}

const installed = new WeakSet<App>();

/** Counts every request of `app` and serves GET /__metrics (once per app; a second call is a no-op). */
export function installMetrics(app: App, options: MetricsOptions = {}): void {
  if (installed.has(app)) return;
  installed.add(app);
  const token = options.token ?? setting("TINA4_METRICS_TOKEN") ?? "";
  httpMetrics();
  listenToPrimary();
  app.addHook("onSent", record);
  app.route(
    "GET",
    "/__metrics",
    async (req, res) => {
      if (token && !tokenMatches(req.headers.authorization, token)) {
        throw new HttpError(401, "Unauthorized", { code: OpsErrorCode.METRICS_TOKEN });
      }
      const text = await metricsText();
      res.header("content-type", httpMetrics().registry.contentType).send(text);
    },
    [],
    { source: "tina4" },
  );
}
