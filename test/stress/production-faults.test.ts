/**
 * `tina4 serve --production --workers 2` under continuous load: a worker killed with SIGKILL
 * is respawned and the client-visible error count stays small (printed); SIGTERM drains the
 * in-flight requests and exits 0 within TINA4_SHUTDOWN_TIMEOUT, cutting only a request that
 * outlives it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "node:http";
import { makeApp, serve, type Served } from "../dev/support.js";
import { send, summary, traffic } from "./support/traffic.js";
import { stressLog } from "./support/log.js";

const files = {
  "src/routes/work/get.ts": [
    'import type { Request } from "tina4";',
    "export default async (req: Request) => {",
    "  const ms = Number(req.query.ms ?? 5);",
    "  await new Promise((resolve) => setTimeout(resolve, ms));",
    "  return { pid: process.pid, ms };",
    "};",
    "",
  ].join("\n"),
  "src/routes/hang/get.ts": [
    "export default async () => {",
    '  console.log("hang started");',
    "  await new Promise((resolve) => setTimeout(resolve, 20_000));",
    '  return { late: true };',
    "};",
    "",
  ].join("\n"),
};

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

describe("production mode under load", () => {
  it("SIGKILL of a worker: respawned, few client errors (reported)", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"], { TINA4_LOG_LEVEL: "warn" });
    const lanes = 8;
    const load = traffic(served.url, () => "/work?ms=5", { lanes, timeoutMs: 5000, maxMs: 30_000 });
    let victim = 0;
    let replacement = 0;
    try {
      await load.next(400);
      const pids = new Set(load.samples.filter((s) => s.status === 200).map((s) => (JSON.parse(s.body) as { pid: number }).pid));
      expect(pids.size).toBe(2);
      victim = [...pids][0]!;
      const from = served.output().length;
      process.kill(victim, "SIGKILL");
      const [, pid] = await served.waitFor(/worker (\d+) ready \(replaces a crashed worker\)/, 10_000, from);
      replacement = Number(pid);
      await load.next(400);
    } finally {
      const samples = await load.stop();
      const errors = samples.filter((s) => s.status !== 200);
      stressLog(`[worker kill -9] ${JSON.stringify(summary(samples))}; client errors ${errors.length} of ${samples.length}` +
        (errors.length ? `: ${[...new Set(errors.map((e) => e.error ?? e.status))].join(", ")}` : ""));
      // at most the requests in flight on, or about to be sent over, the killed worker's sockets
      expect(errors.length).toBeLessThanOrEqual(lanes);
      // failures are transport errors on the dead worker's connections, never an HTTP 5xx
      expect(errors.filter((e) => e.status !== 0)).toEqual([]);
    }
    // the lanes' keep-alive sockets stay on the surviving worker; new connections alternate, reaching the replacement
    const answered = new Set<number>();
    const fresh = new Agent({ keepAlive: false });
    for (let i = 0; i < 8; i++) answered.add((JSON.parse((await send(fresh, `${served.url}/work?ms=1`, 5000)).body) as { pid: number }).pid);
    expect(answered.has(replacement)).toBe(true);
    expect(answered.has(victim)).toBe(false);
    // the traffic's last 200 ms (by start time: samples are pushed as they finish, so a request that
    // hung on the killed worker until its timeout comes last in the list though it started long before)
    const lastStart = Math.max(...load.samples.map((s) => s.start));
    const tail = load.samples.filter((s) => s.start > lastStart - 200);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.filter((s) => s.status !== 200)).toEqual([]);
    expect(served.child.exitCode).toBeNull();
  }, 60_000);

  it("SIGTERM under load: in-flight requests finish, exit 0 within TINA4_SHUTDOWN_TIMEOUT", async () => {
    const timeoutS = 3;
    // SPEC §14: /__ready answers 503 for TINA4_DRAIN_DELAY seconds before the drain's timeout starts
    const drainDelayS = 1;
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"], { TINA4_SHUTDOWN_TIMEOUT: String(timeoutS), TINA4_DRAIN_DELAY: String(drainDelayS), TINA4_LOG_LEVEL: "warn" });
    const load = traffic(served.url, () => "/work?ms=300", { lanes: 8, timeoutMs: 10_000, maxMs: 30_000 });
    await load.next(24);
    const from = served.output().length;
    const hang = send(undefined, `${served.url}/hang`, 30_000);
    await served.waitFor(/hang started/, 10_000, from);
    // every lane has a request in flight now
    const sigterm = performance.now();
    served.child.kill("SIGTERM");
    const code = await served.exited;
    const exitMs = performance.now() - sigterm;
    const samples = await load.stop();
    const hung = await hang;

    const inFlight = samples.filter((s) => s.start < sigterm && s.end > sigterm);
    const late = samples.filter((s) => s.start > sigterm);
    stressLog(`[sigterm drain] exit ${code} after ${Math.round(exitMs)} ms (timeout ${timeoutS} s); in flight at SIGTERM ${inFlight.length} → ${JSON.stringify(summary(inFlight).byStatus)}; ` +
      `sent after SIGTERM ${late.length} (${[...new Set(late.map((s) => s.error ?? s.status))].join(", ")}); request outliving the timeout: ${hung.error ?? hung.status}`);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan((drainDelayS + timeoutS) * 1000 + 2000);
    expect(inFlight.length).toBeGreaterThanOrEqual(6);
    expect(inFlight.every((s) => s.status === 200)).toBe(true);
    // nothing answered with an error status: after SIGTERM a new request is refused or answered
    expect(samples.filter((s) => s.status >= 400)).toEqual([]);
    // the request that outlived TINA4_SHUTDOWN_TIMEOUT was cut, not answered late
    expect(hung.status).toBe(0);
  }, 60_000);
});
