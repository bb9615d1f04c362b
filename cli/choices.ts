/** Engines and cache backends `init` offers, with what each needs. */
export const databaseChoices = {
  sqlite: { title: "SQLite (embedded, no server)", url: () => "sqlite:data/app.db", driver: "better-sqlite3" },
  postgres: { title: "PostgreSQL", url: (name: string) => `postgres://postgres:password@127.0.0.1:5432/${name}`, driver: "pg" },
  mysql: { title: "MySQL / MariaDB", url: (name: string) => `mysql://root:password@127.0.0.1:3306/${name}`, driver: "mysql2" },
  mssql: { title: "Microsoft SQL Server", url: (name: string) => `mssql://sa:password@127.0.0.1:1433/${name}`, driver: "tedious" },
  firebird: { title: "Firebird", url: (name: string) => `firebird://SYSDBA:masterkey@127.0.0.1:3050//var/lib/firebird/data/${name}.fdb`, driver: "node-firebird" },
} as const;

export const cacheChoices = {
  memory: { title: "Memory (per process)", url: null, driver: null },
  file: { title: "File (data/cache)", url: null, driver: null },
  redis: { title: "Redis", url: "redis://127.0.0.1:6379", driver: "redis" },
  valkey: { title: "Valkey", url: "redis://127.0.0.1:6379", driver: "redis" },
  memcached: { title: "Memcached", url: "memcached://127.0.0.1:11211", driver: "memjs" },
  mongodb: { title: "MongoDB", url: "mongodb://127.0.0.1:27017/cache", driver: "mongodb" },
  database: { title: "Database table (TINA4_DATABASE_URL)", url: null, driver: null },
} as const;

export type DatabaseEngine = keyof typeof databaseChoices;
export type CacheBackendName = keyof typeof cacheChoices;
