/**
 * What tina4 knows about each database engine outside SQL (that is the dialect's): its name
 * for people, the npm driver an app installs, the server's default port, and an example URL.
 * The CLI's `init` choices and the URL parser read it from here.
 */
import type { Engine } from "./types.js";

export interface EngineInfo {
  /** For people: "PostgreSQL", "MySQL / MariaDB". */
  readonly label: string;
  /** The npm package an app installs to use the engine. */
  readonly driver: string;
  /** The port a URL without one means (0: no server). */
  readonly defaultPort: number;
  /** True when the database is a local file with no server to reach. */
  readonly embedded: boolean;
  /** A URL for a database called `name` on this machine, with the usual development credentials. */
  exampleUrl(name: string): string;
}

export const ENGINES: { readonly [E in Engine]: EngineInfo } = {
  sqlite: { label: "SQLite (embedded, no server)", driver: "better-sqlite3", defaultPort: 0, embedded: true, exampleUrl: () => "sqlite:data/app.db" },
  postgres: { label: "PostgreSQL", driver: "pg", defaultPort: 5432, embedded: false, exampleUrl: (name) => `postgres://postgres:password@127.0.0.1:5432/${name}` },
  mysql: { label: "MySQL / MariaDB", driver: "mysql2", defaultPort: 3306, embedded: false, exampleUrl: (name) => `mysql://root:password@127.0.0.1:3306/${name}` },
  mssql: { label: "Microsoft SQL Server", driver: "tedious", defaultPort: 1433, embedded: false, exampleUrl: (name) => `mssql://sa:password@127.0.0.1:1433/${name}` },
  firebird: {
    label: "Firebird", driver: "node-firebird", defaultPort: 3050, embedded: false,
    exampleUrl: (name) => `firebird://SYSDBA:masterkey@127.0.0.1:3050//var/lib/firebird/data/${name}.fdb`,
  },
};
