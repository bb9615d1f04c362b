// Where the TFB database lives and how it is (re)created. The server comes from
// TINA4_TFB_POSTGRES_URL, else TINA4_TEST_POSTGRES_URL (environment, then .ci/services.env,
// written by `bash .ci/services.sh start`); the suite uses its own database on that server.
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { FORTUNES, WORLD_ROWS } from "./data.mjs";

const ENV_FILE = new URL("../../../.ci/services.env", import.meta.url);

/** The configured PostgreSQL URL (any database on the server), or null. */
export function serverUrl() {
  for (const key of ["TINA4_TFB_POSTGRES_URL", "TINA4_TEST_POSTGRES_URL"]) {
    if (process.env[key]) return process.env[key];
  }
  if (existsSync(ENV_FILE)) {
    const line = readFileSync(ENV_FILE, "utf8").split("\n").find((l) => l.startsWith("TINA4_TEST_POSTGRES_URL="));
    if (line) return line.slice("TINA4_TEST_POSTGRES_URL=".length).trim();
  }
  return null;
}

/** The same server, another database. */
export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates database `name` if needed and (re)creates the world, cachedworld and fortune tables
 * with fresh data. Returns the database URL. Each run starts from the same table shapes;
 * randomNumber values are random, as in TFB.
 */
export async function seed(url, name) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${name}`).catch((error) => {
        if (error.code !== "42P04") throw error; // created meanwhile by another run
      });
    }
  } finally {
    await admin.end();
  }
  const dbUrl = withDatabase(url, name);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    // unquoted names, as TFB creates them: randomNumber is stored as randomnumber
    await client.query(`
      DROP TABLE IF EXISTS world, cachedworld, fortune;
      CREATE TABLE world (id integer NOT NULL PRIMARY KEY, randomNumber integer NOT NULL DEFAULT 0);
      CREATE TABLE cachedworld (id integer NOT NULL PRIMARY KEY, randomNumber integer NOT NULL DEFAULT 0);
      CREATE TABLE fortune (id integer NOT NULL PRIMARY KEY, message varchar(2048) NOT NULL);
      INSERT INTO world (id, randomNumber) SELECT x, 1 + floor(random() * ${WORLD_ROWS})::int FROM generate_series(1, ${WORLD_ROWS}) AS x;
      INSERT INTO cachedworld (id, randomNumber) SELECT id, randomNumber FROM world;
    `);
    const values = FORTUNES.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
    await client.query(`INSERT INTO fortune (id, message) VALUES ${values}`, FORTUNES.flat());
    await client.query("VACUUM ANALYZE world, cachedworld, fortune");
  } finally {
    await client.end();
  }
  return dbUrl;
}
