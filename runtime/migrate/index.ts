/** Public API of tina4 migrations. */
export { migrate, rollback, migrationStatus } from "./runner.js";
export type {
  MigrateResult, MigrationEvent, MigrationOptions, MigrationStatus, MigrationStatusEntry, RollbackOptions, RollbackResult,
} from "./runner.js";
export { MigrationError, MigrateErrorCode, type MigrateErrorCodeValue, type MigrationErrorDetails } from "./errors.js";
export { splitSql, type SqlStatement, type SplitOptions } from "./splitter.js";
export { discoverMigrations, type MigrationFile } from "./files.js";
export { TRACKING_TABLE, type AppliedMigration } from "./tracking.js";
export { acquireLock, LOCK_TABLE, type LockOptions, type MigrationLock } from "./lock.js";
/** `rollback` under a name that does not read like a database transaction rollback (exported from "tina4"). */
export { rollback as rollbackMigrations } from "./runner.js";
export { dropAppObjects, listAppObjects, type SchemaObject, type SchemaObjectKind } from "./fresh.js";
