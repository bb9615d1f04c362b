/**
 * Statement figures for /__metrics (runtime/instruments.ts): which kind of statement ran and
 * how long the driver took. Only the operation kind leaves here — never the SQL text or values,
 * so the label set stays five values per engine whatever the app sends. Callers check
 * `metricsOn` first, so none of this runs while metrics are off.
 */
import { metrics, type QueryOperation } from "../instruments.js";

const LEADING = /^[\s(]*(select|insert|update|delete)\b/i;

/** `select`, `insert`, `update` or `delete` from the first keyword; anything else (WITH, DDL, savepoints) is `other`. */
export function statementKind(sql: string): QueryOperation {
  const match = LEADING.exec(sql);
  return match === null ? "other" : (match[1]!.toLowerCase() as QueryOperation);
}

/** Reports one statement that started at `started` (performance.now()). */
export function queryDone(engine: string, sql: string, started: number, failed: boolean): void {
  metrics().query(engine, statementKind(sql), (performance.now() - started) / 1000, failed);
}

/** `pending`, reporting the statement when it settles. */
export function measured<T>(pending: Promise<T>, engine: string, sql: string, started: number): Promise<T> {
  return pending.then(
    (value) => {
      queryDone(engine, sql, started, false);
      return value;
    },
    (error: unknown) => {
      queryDone(engine, sql, started, true);
      throw error;
    },
  );
}
