/**
 * The soak harness (bench/soak.mjs) for 45 s instead of 10 minutes, so CI exercises it:
 * `tina4 serve --production --workers 2` on SQLite, mixed traffic at 1,500 req/s (routes,
 * responseCache hits and misses, DB reads and writes). Same checks as the long run, loosened
 * for the short span and a busy CI machine: no failed request, no worker replaced, RSS growth
 * < 30% between the first and last 5 s windows after a 25 s warm-up (catches gross leaks —
 * the 10-minute run holds the 10% line, see docs/reliability.md), fd count flat (+4), last
 * window p99 within 4× the median window p99 + 5 ms, every counter update durable, exit 0.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";
import { stressLog } from "./support/log.js";

interface SoakReport {
  totalRequests: number;
  totalErrors: number;
  failures: Record<string, number>;
  workerChanges: number;
  checks: Record<string, boolean>;
  verdict: string;
  windows: Array<{ window: number; requests: number; p99: number; hits: number; misses: number }>;
  workersReport: Array<{ pid: number; rssAfterWarmupMb: number; rssEndMb: number; rssGrowthPct: number; fdsAfterWarmup: number; fdsEnd: number }>;
}

describe("soak (short)", () => {
  it("45 s of mixed production traffic: no errors, no crash, flat fds, bounded RSS and p99", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4-soak-short-"));
    const json = join(dir, "soak.json");
    const args = [
      join(repoRoot, "bench", "soak.mjs"), "--seconds", "45", "--window", "5", "--warmup", "25", "--rate", "1500",
      "--rss-growth", "30", "--fd-slack", "4", "--p99-factor", "4", "--json", json,
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    stressLog(output.trim());
    try {
      const report = JSON.parse(readFileSync(json, "utf8")) as SoakReport;
      expect(report.failures).toEqual({});
      expect(report.totalErrors).toBe(0);
      expect(report.workerChanges).toBe(0);
      expect(report.totalRequests).toBeGreaterThan(45 * 1500 * 0.8);
      expect(report.windows.every((w) => w.hits > 0 && w.misses > 0)).toBe(true);
      expect(report.workersReport).toHaveLength(2);
      expect(report.checks).toEqual({
        noErrors: true, workersStable: true, rss: true, fds: true, p99: true, cacheHitsAndMisses: true, updatesDurable: true, cleanExit: true,
      });
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
