/**
 * RunningJobLog (the database backend's log of a running job) on its own: when it writes the
 * job's row. A run shorter than the write interval writes nothing before its outcome (no extra
 * statement per short job); a longer one writes each line about 250 ms after it is logged at
 * most, never more than one write at a time, and a failed write keeps the lines for the next.
 * (The end-to-end behaviour on real databases: live-logs.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { LOG_FLUSH_MS, RunningJobLog } from "../../runtime/jobs/backends/database-log.js";
import { sleep } from "./support.js";

const text = (lines: readonly string[]) => lines.map((line) => line.replace(/^\S+Z /, ""));

describe("RunningJobLog", () => {
  it("a run shorter than the write interval writes nothing before its outcome; all() holds every line", async () => {
    const writes: string[][] = [];
    const log = new RunningJobLog(["2026-01-01T00:00:00.000Z from an earlier attempt"], async (lines) => void writes.push([...lines]), () => undefined);
    log.add("one");
    log.add("two");
    await sleep(LOG_FLUSH_MS / 5);
    await log.close();
    expect(writes).toEqual([]);
    expect(text(log.all())).toEqual(["from an earlier attempt", "one", "two"]);
    log.add("after the outcome"); // dropped: the outcome is recorded
    await sleep(LOG_FLUSH_MS + 50);
    expect(writes).toEqual([]);
  });

  it("a longer run writes its lines while it runs, batched, one write at a time", async () => {
    const writes: Array<{ at: number; lines: string[] }> = [];
    let inFlight = 0;
    let overlapped = false;
    const started = Date.now();
    const log = new RunningJobLog([], async (lines) => {
      if (++inFlight > 1) overlapped = true;
      writes.push({ at: Date.now() - started, lines: text(lines) });
      await sleep(30);
      inFlight--;
    }, () => undefined);
    for (let i = 1; i <= 12; i++) {
      log.add(`line ${i}`);
      await sleep(50);
    }
    await log.close();
    expect(overlapped).toBe(false);
    // 600 ms of logging: about two writes, each far fewer than one per line
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(4);
    expect(writes[0]!.at).toBeGreaterThanOrEqual(LOG_FLUSH_MS - 5);
    expect(writes[0]!.lines[0]).toBe("line 1");
    expect(text(log.all())).toHaveLength(12);
  });

  it("a failed write is reported and its lines go with the next write; close(true) writes what is left", async () => {
    const failures: unknown[] = [];
    const written: string[][] = [];
    let fail = true;
    const log = new RunningJobLog([], async (lines) => {
      if (fail) throw new Error("the database is down");
      written.push(text(lines));
    }, (error) => failures.push(error));
    log.add("kept through an outage");
    await sleep(LOG_FLUSH_MS + 100);
    expect(failures).toHaveLength(1);
    fail = false;
    log.add("logged last");
    await log.close(true);
    expect(written.at(-1)).toEqual(["kept through an outage", "logged last"]);
  });
});
