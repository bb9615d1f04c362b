/**
 * Counts the statements the database layer sends to the driver, through the same seam
 * /__metrics uses (runtime/instruments.ts: every statement a driver runs is reported there,
 * with its kind). Installed once per test file (vitest runs each file in its own process).
 */
import { observeMetrics, type QueryOperation } from "../../runtime/instruments.js";

let sent: QueryOperation[] = [];

observeMetrics({
  query: (_engine, operation) => void sent.push(operation),
  cacheLookup: () => undefined,
  queryCacheLookup: () => undefined,
});

/** Runs `fn` and returns its value with the statements sent meanwhile (by kind, in order). */
export async function statementsOf<T>(fn: () => Promise<T>): Promise<{ value: T; statements: QueryOperation[] }> {
  sent = [];
  const value = await fn();
  const statements = sent;
  sent = [];
  return { value, statements };
}
