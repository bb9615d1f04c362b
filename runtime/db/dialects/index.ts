/**
 * The dialect of each engine, for SQL written without a connection (DDL in the generators,
 * quoting in the ORM). Adapters keep their own instances (each has a statement cache).
 */
import type { Engine } from "../types.js";
import type { Dialect } from "./dialect.js";
import { FirebirdDialect } from "./firebird.js";
import { MssqlDialect } from "./mssql.js";
import { MysqlDialect } from "./mysql.js";
import { PostgresDialect } from "./postgres.js";
import { SqliteDialect } from "./sqlite.js";

const dialects: { readonly [E in Engine]: Dialect } = {
  sqlite: new SqliteDialect(),
  postgres: new PostgresDialect(),
  mysql: new MysqlDialect(),
  mssql: new MssqlDialect(),
  firebird: new FirebirdDialect(),
};

export function dialectFor(engine: Engine): Dialect {
  return dialects[engine];
}

export { Dialect, type ColumnKind } from "./dialect.js";
