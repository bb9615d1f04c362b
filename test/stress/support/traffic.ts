/**
 * Closed-loop HTTP load for the stress tests: `lanes` keep-alive lanes, each sending one
 * request after another until stopped (bounded by `maxMs`). Every request is recorded with
 * its start and end time, status and body, so a test can slice the record by phase.
 */
import { Agent, request } from "node:http";

export interface Sample {
  path: string;
  start: number;
  end: number;
  status: number; // 0 = network error or timeout
  body: string;
  contentType: string;
  error?: string;
}

export function send(agent: Agent | undefined, url: string, timeoutMs: number, method = "GET"): Promise<Omit<Sample, "path" | "start" | "end">> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method, headers: method === "GET" ? {} : { "content-length": "0" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), contentType: String(res.headers["content-type"] ?? "") }));
      res.on("error", (e) => resolve({ status: 0, body: "", contentType: "", error: e.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve({ status: 0, body: "", contentType: "", error: e.message }));
    req.end();
  });
}

export interface Traffic {
  samples: Sample[];
  /** Stops the lanes and resolves when every in-flight request has ended. */
  stop: () => Promise<Sample[]>;
  /** Resolves once `n` more samples have been recorded (bounded by `timeoutMs`). */
  next: (n: number, timeoutMs?: number) => Promise<void>;
}

export function traffic(base: string, paths: (lane: number, i: number) => string, options: { lanes: number; timeoutMs: number; maxMs: number; method?: (path: string) => string }): Traffic {
  const agent = new Agent({ keepAlive: true, maxSockets: options.lanes });
  const samples: Sample[] = [];
  const waiters = new Set<() => void>();
  let running = true;
  const deadline = Date.now() + options.maxMs;
  const lane = async (n: number) => {
    for (let i = 0; running && Date.now() < deadline; i++) {
      const path = paths(n, i);
      const start = performance.now();
      const r = await send(agent, base + path, options.timeoutMs, options.method?.(path) ?? "GET");
      samples.push({ path, start, end: performance.now(), ...r });
      for (const w of [...waiters]) w();
    }
  };
  const done = Promise.all(Array.from({ length: options.lanes }, (_, n) => lane(n)));
  return {
    samples,
    stop: async () => {
      running = false;
      await done;
      agent.destroy();
      return samples;
    },
    next: (n, timeoutMs = 10_000) => new Promise<void>((resolve, reject) => {
      const target = samples.length + n;
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`traffic: ${n} more samples not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (samples.length >= target) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
    }),
  };
}

export function summary(samples: Sample[]): { count: number; byStatus: Record<string, number>; maxMs: number; p99Ms: number } {
  const byStatus: Record<string, number> = {};
  for (const s of samples) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  const lat = samples.map((s) => s.end - s.start).sort((a, b) => a - b);
  const p99 = lat[Math.max(0, Math.ceil(lat.length * 0.99) - 1)] ?? 0;
  return { count: samples.length, byStatus, maxMs: Math.round(lat[lat.length - 1] ?? 0), p99Ms: Math.round(p99) };
}
