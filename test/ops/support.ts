import { expect } from "vitest";
import { createRequire } from "node:module";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function makeTempDir(prefix = "tina4-ops-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Asserts a request line, newline included, is exactly what pino writes for the same record:
 * the request-line keys in order, level 30, this process's pid.
 */
export function expectPinoRequestLine(line: string): void {
  const pino = createRequire(import.meta.url)("pino") as typeof import("pino");
  const { level, time, pid, ...record } = JSON.parse(line) as Record<string, unknown>;
  expect(Object.keys(record)).toEqual(["reqId", "method", "route", "status", "ms", "ip"]);
  let expected = "";
  const reference = pino.default({ base: { pid: process.pid }, timestamp: () => `,"time":${String(time)}` }, { write: (text: string) => void (expected += text) });
  reference.info(record);
  expect({ level, pid }).toEqual({ level: 30, pid: process.pid });
  expect(line).toBe(expected);
}
