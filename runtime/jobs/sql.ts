/**
 * The database queue's SQL, per engine. Everything engine-specific about storing and
 * claiming jobs is in this map; backends/database.ts only picks the entry for its engine.
 *
 * Claims are safe with any number of workers: PostgreSQL takes rows with
 * `FOR UPDATE SKIP LOCKED` inside one UPDATE; MySQL 8 / MariaDB 10.6+ select them
 * `FOR UPDATE SKIP LOCKED` and mark them in one transaction (they have no UPDATE … RETURNING);
 * SQLite runs one UPDATE … RETURNING, which holds the database's single write lock.
 */
import type { Engine } from "../db/index.js";
import { QueueError, QueueErrorCode } from "./errors.js";

/** Columns a claim returns. */
export const CLAIM_COLUMNS = "seq, id, data, priority, run_at, attempts, attempts_started, backoff, logs";
/** Columns of a new job, in the order `insertSql` expects its values. */
export const INSERT_COLUMNS = ["id", "queue", "state", "data", "priority", "run_at", "attempts", "attempts_started", "backoff", "created_at"] as const;

export interface JobsSql {
  /** CREATE TABLE then its indexes. */
  ddl(table: string): string[];
  /** Multi-row INSERT that skips a row whose (queue, id) exists. */
  insert(table: string, rows: number): string;
  /**
   * `update`: one statement marking and returning up to `limit` due jobs (params: lockedBy,
   * lockedUntil, queue, now). `select`: a locking read of them (params: queue, now), after
   * which the caller marks them by seq in the same transaction.
   */
  claim: { kind: "update"; sql(table: string, limit: number): string } | { kind: "select"; sql(table: string, limit: number): string };
}

const values = (rows: number) => Array.from({ length: rows }, () => `(${INSERT_COLUMNS.map(() => "?").join(", ")})`).join(", ");
const insertHead = (table: string) => `INSERT INTO ${table} (${INSERT_COLUMNS.join(", ")}) VALUES `;
const due = (table: string, limit: number, lock: string) =>
  `SELECT seq FROM ${table} WHERE queue = ? AND state = 'waiting' AND run_at <= ? ORDER BY priority, run_at, seq LIMIT ${limit}${lock}`;
const markDue = (table: string, limit: number, lock: string) =>
  `UPDATE ${table} SET state = 'active', locked_by = ?, locked_until = ?, attempts_started = attempts_started + 1 ` +
  `WHERE seq IN (${due(table, limit, lock)}) RETURNING ${CLAIM_COLUMNS}`;

function columns(table: string, t: { seq: string; text: string; longText: string; bigint: string; float: string }): string {
  return `seq ${t.seq}, id VARCHAR(150) NOT NULL, queue VARCHAR(100) NOT NULL, state VARCHAR(10) NOT NULL, data ${t.longText} NOT NULL, ` +
    `priority INTEGER NOT NULL, run_at ${t.bigint} NOT NULL, attempts INTEGER NOT NULL, attempts_started INTEGER NOT NULL, ` +
    `backoff ${t.bigint} NOT NULL, locked_by VARCHAR(100), locked_until ${t.bigint}, progress ${t.float}, result ${t.longText}, ` +
    `error ${t.text}, logs ${t.longText}, created_at ${t.bigint} NOT NULL, finished_at ${t.bigint}, ` +
    // inline, so deduplication by (queue, id) holds from the very first insert
    `CONSTRAINT ${table}_queue_id UNIQUE (queue, id)`;
}

const indexes = (table: string) => [`CREATE INDEX ${table}_claim ON ${table} (queue, state, priority, run_at, seq)`];

const SQL: Partial<Record<Engine, JobsSql>> = {
  postgres: {
    ddl: (table) => [`CREATE TABLE ${table} (${columns(table, { seq: "BIGSERIAL PRIMARY KEY", text: "TEXT", longText: "TEXT", bigint: "BIGINT", float: "DOUBLE PRECISION" })})`, ...indexes(table)],
    insert: (table, rows) => `${insertHead(table)}${values(rows)} ON CONFLICT (queue, id) DO NOTHING`,
    claim: { kind: "update", sql: (table, limit) => markDue(table, limit, " FOR UPDATE SKIP LOCKED") },
  },
  sqlite: {
    ddl: (table) => [`CREATE TABLE ${table} (${columns(table, { seq: "INTEGER PRIMARY KEY AUTOINCREMENT", text: "TEXT", longText: "TEXT", bigint: "INTEGER", float: "REAL" })})`, ...indexes(table)],
    insert: (table, rows) => `${insertHead(table)}${values(rows)} ON CONFLICT (queue, id) DO NOTHING`,
    claim: { kind: "update", sql: (table, limit) => markDue(table, limit, "") },
  },
  mysql: {
    ddl: (table) => [
      `CREATE TABLE ${table} (${columns(table, { seq: "BIGINT AUTO_INCREMENT PRIMARY KEY", text: "TEXT", longText: "LONGTEXT", bigint: "BIGINT", float: "DOUBLE" })}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      ...indexes(table),
    ],
    insert: (table, rows) => `${insertHead(table)}${values(rows)} ON DUPLICATE KEY UPDATE id = id`,
    claim: {
      kind: "select",
      sql: (table, limit) =>
        `SELECT ${CLAIM_COLUMNS} FROM ${table} WHERE queue = ? AND state = 'waiting' AND run_at <= ? ORDER BY priority, run_at, seq LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    },
  },
};

export function jobsSql(engine: Engine): JobsSql {
  const sql = SQL[engine];
  if (!sql) {
    throw new QueueError(
      QueueErrorCode.BACKEND,
      `the database queue runs on PostgreSQL, MySQL 8 / MariaDB 10.6+ and SQLite, not ${engine} (it needs SKIP LOCKED claims): ` +
        "set TINA4_QUEUE_URL to one of those, or TINA4_QUEUE_BACKEND=redis",
    );
  }
  return sql;
}

/** The jobs table name: a plain lower-case identifier (it is spliced into SQL). */
export function checkTable(table: string): string {
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(table)) {
    throw new QueueError(QueueErrorCode.ARGUMENT, `TINA4_QUEUE_TABLE must be a lower-case identifier (letters, digits, _; at most 51), got ${JSON.stringify(table)}`);
  }
  return table;
}
