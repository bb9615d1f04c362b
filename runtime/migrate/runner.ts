import { basename, join, relative } from "node:path";
import { DatabaseError, type Database } from "../db/index.js";
import { dialectFor } from "../db/dialects/index.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";
import { discoverMigrations, readSql, type MigrationFile } from "./files.js";
import { acquireLock, type LockOptions, type MigrationLock } from "./lock.js";
import { splitSql, type SqlStatement } from "./splitter.js";
import { appliedMigrations, ensureTrackingTable, isRecorded, record, unrecord, type AppliedMigration } from "./tracking.js";

/** Progress reported while migrating or rolling back (the CLI prints these). */
export type MigrationEvent =
  | { type: "waiting"; holder: string | null }
  | { type: "start"; name: string; index: number; total: number; batch: number }
  | { type: "done"; name: string; ms: number; statements: number; batch: number }
  | { type: "skipped"; name: string; reason: string }
  | { type: "failed"; name: string; ms: number; error: MigrationError };

export interface MigrationOptions extends LockOptions {
  /** The migrations folder (default `<cwd>/migrations`). */
  dir?: string | undefined;
  onEvent?: ((event: MigrationEvent) => void) | undefined;
}

export interface MigrateResult {
  /** The batch number of this run, or null when nothing was pending. */
  batch: number | null;
  /** Names applied by this run, in order. */
  applied: string[];
}

export interface RollbackOptions extends MigrationOptions {
  /** How many batches to undo, newest first (default 1). */
  steps?: number | undefined;
}

export interface RollbackResult {
  /** Names rolled back, newest first. */
  rolledBack: string[];
  /** The batches that were undone. */
  batches: number[];
}

export interface MigrationStatusEntry {
  name: string;
  /** `applied`, `pending`, or `missing` (recorded but its file is gone). */
  state: "applied" | "pending" | "missing";
  batch: number | null;
  executedAt: Date | null;
  /** Whether `<name>.down.sql` exists. */
  hasDown: boolean;
}

export interface MigrationStatus {
  entries: MigrationStatusEntry[];
  applied: number;
  pending: number;
  /** `.sql` files ignored because their name has no numeric prefix. */
  ignored: string[];
}

function dirOf(options: MigrationOptions): string {
  return options.dir ?? join(process.cwd(), "migrations");
}

function emit(options: MigrationOptions, event: MigrationEvent): void {
  try {
    options.onEvent?.(event);
  } catch {
    // a broken progress printer never breaks a migration
  }
}

function statementsOf(db: Database, path: string, kind: "migration" | "down file", file = basename(path)): SqlStatement[] {
  const statements = splitSql(readSql(path), { engine: db.engine, file });
  if (statements.length === 0) {
    throw new MigrationError(
      MigrateErrorCode.EMPTY,
      `${file} has no SQL statements (only comments or blank); write the ${kind === "migration" ? "change" : "undo SQL"} or delete the file`,
      { file },
    );
  }
  const control = statements.findIndex((st) => TRANSACTION_CONTROL.test(withoutComments(st.sql)));
  if (control >= 0) {
    const st = statements[control]!;
    throw new MigrationError(
      MigrateErrorCode.TRANSACTION,
      `${file}: statement ${control + 1} (line ${st.line}) is "${withoutComments(st.sql).trim()}": tina4 runs each ${kind} in its own transaction ` +
        "(its COMMIT would end tina4's early, so a later failure could not roll the file back); remove BEGIN, COMMIT and ROLLBACK from the file. Nothing was run",
      { file, statementIndex: control + 1, line: st.line, statement: st.sql },
    );
  }
  return statements;
}

/** A statement that only starts, ends or aborts a transaction (ROLLBACK TO SAVEPOINT and BEGIN … END bodies are not). */
const TRANSACTION_CONTROL =
  /^\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)(?:\s+(?:TRANSACTION|TRAN|WORK|DEFERRED|IMMEDIATE|EXCLUSIVE|AND\s+(?:NO\s+)?CHAIN|ISOLATION\s+LEVEL(?:\s+(?:READ|REPEATABLE|SERIALIZABLE|COMMITTED|UNCOMMITTED))+|READ\s+(?:WRITE|ONLY)|,))*\s*$/i;

const withoutComments = (sql: string): string => sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|#[^\n]*/g, " ");

/**
 * Runs `statements` one by one; a failure becomes a MigrationError naming file, statement and the
 * database message. Statements 1..`from` already committed in earlier transactions (Firebird).
 * Where every schema statement commits by itself (MySQL's implicit commit), the pending work is
 * committed before it and a new transaction opened after it, on the same connection (session
 * variables set by the file keep applying): so the data statements after the last schema
 * statement are still rolled back when a later one fails, and the error can say exactly which
 * statements stayed.
 */
async function runStatements(
  db: Database,
  file: string,
  all: SqlStatement[],
  from: number,
  statements: SqlStatement[],
  code: typeof MigrateErrorCode.FAILED | typeof MigrateErrorCode.ROLLBACK_FAILED,
): Promise<void> {
  const dialect = dialectFor(db.engine);
  let committed = from;
  for (let k = 0; k < statements.length; k++) {
    const st = statements[k]!;
    const i = from + k;
    const commitsItself = dialect.eachSchemaStatementCommits && SCHEMA.test(st.sql);
    try {
      if (commitsItself && i > committed) {
        await db.execute("COMMIT");
        committed = i;
      }
      await db.execute(st.sql);
      if (commitsItself) {
        committed = i + 1;
        await db.execute(dialect.beginSql);
      }
    } catch (error) {
      const message = error instanceof DatabaseError ? error.message.replace(/ — SQL: [\s\S]*$/, "") : (error as Error)?.message ?? String(error);
      const reason = dialect.schemaCommitsApart;
      const partial = committed > 0 && reason !== null ? ` (${committed === 1 ? "statement 1 was" : `statements 1–${committed} were`} already committed: ${reason})` : "";
      throw new MigrationError(code, `${file}: statement ${i + 1} of ${all.length} (line ${st.line}) failed: ${message}${partial}`, {
        file,
        statementIndex: i + 1,
        line: st.line,
        statement: st.sql,
        cause: error,
      });
    }
  }
}

const SCHEMA = /^\s*(CREATE|ALTER|DROP|RECREATE|RENAME|TRUNCATE|COMMENT|GRANT|REVOKE|DECLARE|SET\s+(GENERATOR|STATISTICS))\b/i;

/**
 * The transactions a file runs in. One for the whole file, except where a table created in a
 * transaction cannot be written until that transaction commits (Firebird): there each run of
 * schema statements and each run of data statements gets its own transaction. (MySQL's implicit
 * commits are handled inside the one transaction, see runStatements.)
 */
function segments(db: Database, statements: SqlStatement[]): { from: number; statements: SqlStatement[] }[] {
  const dialect = dialectFor(db.engine);
  if (dialect.schemaCommitsApart === null || dialect.eachSchemaStatementCommits) return [{ from: 0, statements }];
  const out: { from: number; statements: SqlStatement[] }[] = [];
  let kind: boolean | null = null;
  statements.forEach((st, i) => {
    const schema = SCHEMA.test(st.sql);
    if (schema !== kind) out.push({ from: i, statements: [] });
    kind = schema;
    out[out.length - 1]!.statements.push(st);
  });
  return out;
}

/**
 * Runs a file's statements, then `finish` (record / unrecord) in the last transaction.
 * `skip` runs first inside the first transaction; when it returns true nothing runs.
 */
async function runFile(
  db: Database,
  file: string,
  statements: SqlStatement[],
  code: typeof MigrateErrorCode.FAILED | typeof MigrateErrorCode.ROLLBACK_FAILED,
  skip: () => Promise<boolean>,
  finish: () => Promise<void>,
): Promise<boolean> {
  const parts = segments(db, statements);
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const ran = await db.transaction(async () => {
      if (p === 0 && (await skip())) return false;
      await runStatements(db, file, statements, part.from, part.statements, code);
      if (p === parts.length - 1) await finish();
      return true;
    });
    if (!ran) return false;
  }
  return true;
}

async function withLock<T>(db: Database, options: MigrationOptions, fn: (lock: MigrationLock) => Promise<T>): Promise<T> {
  await ensureTrackingTable(db);
  const lock = await acquireLock(db, { ...options, onWait: (holder) => emit(options, { type: "waiting", holder }) });
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

function checkLock(lock: MigrationLock): void {
  if (lock.lost) {
    throw new MigrationError(MigrateErrorCode.LOCK_LOST, "The migration lock expired while this run was stalled and another run took it over; stopped. Run migrate again.");
  }
}

/**
 * Applies every pending migration in order, under the migration lock, as one batch. Each file
 * runs in its own transaction together with its tina4_migration record: a failing statement
 * rolls the file back, records nothing and stops the run (re-running continues from there).
 * On MySQL/MariaDB, DDL commits implicitly, so a failed file's earlier DDL statements stay (its
 * data statements are still rolled back; the error names what stayed).
 */
export async function migrate(db: Database, options: MigrationOptions = {}): Promise<MigrateResult> {
  const dir = dirOf(options);
  const { files } = discoverMigrations(dir, db.engine);
  // split everything first: a syntax problem in a later file stops the run before anything changes
  const parsed = new Map<string, SqlStatement[]>();
  return withLock(db, options, async (lock) => {
    const done = new Set((await appliedMigrations(db)).map((m) => m.name));
    const pending = files.filter((f) => !done.has(f.name));
    if (pending.length === 0) return { batch: null, applied: [] };
    for (const f of pending) parsed.set(f.name, statementsOf(db, f.path, "migration", f.label));
    const batch = (await nextBatch(db));
    const applied: string[] = [];
    for (let i = 0; i < pending.length; i++) {
      const f = pending[i]!;
      checkLock(lock);
      emit(options, { type: "start", name: f.name, index: i + 1, total: pending.length, batch });
      const started = performance.now();
      const statements = parsed.get(f.name)!;
      let ran = true;
      try {
        // the lock makes the check redundant, unless a stalled holder lost it: never apply a file twice
        ran = await runFile(db, f.label, statements, MigrateErrorCode.FAILED, () => isRecorded(db, f.name), () => record(db, f.name, batch));
      } catch (error) {
        const failure = withEngineHint(db, f, error instanceof MigrationError
          ? error
          : new MigrationError(MigrateErrorCode.FAILED, `${f.label}: ${(error as Error)?.message ?? String(error)}`, { file: f.label, cause: error }));
        emit(options, { type: "failed", name: f.name, ms: performance.now() - started, error: failure });
        throw failure;
      }
      if (!ran) {
        emit(options, { type: "skipped", name: f.name, reason: "applied by another run" });
        continue;
      }
      applied.push(f.name);
      emit(options, { type: "done", name: f.name, ms: performance.now() - started, statements: statements.length, batch });
    }
    return { batch, applied };
  });
}

/** The engine named in the header tina4's generators write (`-- Creates the products table for … (sqlite).`). */
const GENERATED_FOR = /^-- Creates the \S+ table for .*\((sqlite|postgres|mysql|mssql|firebird)\)/;

/**
 * A failure of a file generated for another engine (an app made on SQLite, migrating PostgreSQL)
 * says so and where that engine's form goes, instead of only the syntax error it causes.
 */
function withEngineHint(db: Database, f: MigrationFile, failure: MigrationError): MigrationError {
  const generatedFor = GENERATED_FOR.exec(readSql(f.path))?.[1];
  if (generatedFor === undefined || generatedFor === db.engine) return failure;
  const hint = ` (${f.label} was generated for ${generatedFor}; put its ${db.engine} form in migrations/${db.engine}/${f.name}.sql — ` +
    `\`TINA4_DATABASE_URL=<${db.engine} URL> tina4 generate model <Name> --dry-run\` prints it; see "One app, several engines" in docs/migrations.md)`;
  return new MigrationError(failure.code as typeof MigrateErrorCode.FAILED, failure.message + hint, {
    file: failure.file, statementIndex: failure.statementIndex, line: failure.line, statement: failure.statement, cause: failure.cause,
  });
}

async function nextBatch(db: Database): Promise<number> {
  const row = await db.fetchOne("SELECT MAX(batch) AS b FROM tina4_migration", [], { cache: false });
  const b = row?.b;
  return (b === null || b === undefined ? 0 : Number(b)) + 1;
}

/**
 * Undoes the newest `steps` batches (default 1), newest migration first, each with its
 * `.down.sql` in its own transaction together with deleting its record. Every needed down file
 * must exist before anything runs (T4_ERR_MIGRATE_NO_DOWN otherwise); a failing down file stops
 * the rollback and keeps its record.
 */
export async function rollback(db: Database, options: RollbackOptions = {}): Promise<RollbackResult> {
  const steps = options.steps ?? 1;
  if (!Number.isSafeInteger(steps) || steps < 1) {
    throw new MigrationError(MigrateErrorCode.ARGUMENT, `steps must be a positive whole number, got ${String(steps)}`);
  }
  const dir = dirOf(options);
  return withLock(db, options, async (lock) => {
    const applied = await appliedMigrations(db);
    const batches = [...new Set(applied.map((m) => m.batch))].sort((a, b) => b - a).slice(0, steps);
    const targets = applied.filter((m) => batches.includes(m.batch)).sort((a, b) => b.batch - a.batch || b.id - a.id);
    if (targets.length === 0) return { rolledBack: [], batches: [] };
    const { files } = discoverMigrations(dir, db.engine);
    const byName = new Map<string, MigrationFile>(files.map((f) => [f.name, f]));
    const missing = targets.filter((m) => !byName.get(m.name)?.downPath);
    if (missing.length > 0) {
      const first = missing[0]!.name;
      throw new MigrationError(
        MigrateErrorCode.NO_DOWN,
        `Cannot roll back: no down file for ${missing.map((m) => `${m.name}.sql`).join(", ")} (expected ${first}.down.sql next to it); nothing was rolled back`,
        { file: `${first}.down.sql` },
      );
    }
    const downLabel = (name: string) => relative(dir, byName.get(name)!.downPath!).replace(/\\/g, "/");
    const parsed = new Map(targets.map((m) => [m.name, statementsOf(db, byName.get(m.name)!.downPath!, "down file", downLabel(m.name))]));
    const rolledBack: string[] = [];
    for (let i = 0; i < targets.length; i++) {
      const m = targets[i]!;
      checkLock(lock);
      emit(options, { type: "start", name: m.name, index: i + 1, total: targets.length, batch: m.batch });
      const started = performance.now();
      const statements = parsed.get(m.name)!;
      try {
        await runFile(db, downLabel(m.name), statements, MigrateErrorCode.ROLLBACK_FAILED, async () => false, () => unrecord(db, m.name));
      } catch (error) {
        const failure = error instanceof MigrationError
          ? error
          : new MigrationError(MigrateErrorCode.ROLLBACK_FAILED, `${downLabel(m.name)}: ${(error as Error)?.message ?? String(error)}`, { file: downLabel(m.name), cause: error });
        emit(options, { type: "failed", name: m.name, ms: performance.now() - started, error: failure });
        throw failure;
      }
      rolledBack.push(m.name);
      emit(options, { type: "done", name: m.name, ms: performance.now() - started, statements: statements.length, batch: m.batch });
    }
    return { rolledBack, batches };
  });
}

/** Applied migrations (with batch and time) in the order they ran, then pending files in the order they will run. */
export async function migrationStatus(db: Database, options: Pick<MigrationOptions, "dir"> = {}): Promise<MigrationStatus> {
  const { files, ignored } = discoverMigrations(dirOf(options), db.engine);
  const applied: AppliedMigration[] = await appliedMigrations(db);
  const byName = new Map(files.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const entries: MigrationStatusEntry[] = applied.map((m) => {
    seen.add(m.name);
    const f = byName.get(m.name);
    return { name: m.name, state: f ? "applied" : "missing", batch: m.batch, executedAt: m.executedAt, hasDown: Boolean(f?.downPath) };
  });
  for (const f of files) {
    if (!seen.has(f.name)) entries.push({ name: f.name, state: "pending", batch: null, executedAt: null, hasDown: f.downPath !== null });
  }
  return {
    entries,
    applied: entries.filter((e) => e.state !== "pending").length,
    pending: entries.filter((e) => e.state === "pending").length,
    ignored,
  };
}
