/**
 * `tina4 generate auth`: a User model and its migration (unique email, password hash), the
 * routes POST /auth/register, /auth/login, /auth/logout and GET /auth/me (rate limited, with
 * sessions), and a test that runs them through testClient() on a throwaway database.
 */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { readTemplate, type PlannedFile } from "../templates.js";
import { columnType, engineOf, otherEngines, primaryKeyColumn, tableOptions, type Engine } from "./sql-types.js";
import { setting } from "../../runtime/config/settings.js";

function importPath(fromFile: string, toFile: string): string {
  const rel = relative(join(fromFile, ".."), toFile).split(sep).join("/").replace(/\.ts$/, "");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

const ROUTES: Array<[template: string, file: string[]]> = [
  ["register.ts", ["auth", "register", "post.ts"]],
  ["login.ts", ["auth", "login", "post.ts"]],
  ["logout.ts", ["auth", "logout", "post.ts"]],
  ["me.ts", ["auth", "me", "get.ts"]],
];

function existingMigration(root: string): string | undefined {
  try {
    return readdirSync(join(root, "migrations")).find((name) => /^\d{14}_create_users\.sql$/.test(name))?.replace(/\.sql$/, "");
  } catch {
    return undefined; // no migrations folder yet
  }
}

/**
 * How the generated test makes its tables on its throwaway SQLite database: an SQLite app's
 * own migrations; for an app on another engine (whose migrations SQLite cannot run, e.g.
 * SERIAL ids), SQLite's form of the users migration.
 */
function testSchema(engine: Engine): { runtimeImports: string; createTables: string } {
  if (engine === "sqlite") {
    return { runtimeImports: "Database, Model, migrate, testClient, type TestClient", createTables: '  await migrate(db, { dir: join(import.meta.dirname, "..", "migrations") });' };
  }
  const ddl = readTemplate("generate/auth/create-users.sql", { engine: "sqlite", primaryKey: primaryKeyColumn("sqlite"), datetime: columnType("sqlite", "datetime"), tableOptions: tableOptions("sqlite") })
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("--"))
    .map((line) => `    ${line}`)
    .join("\n");
  return {
    runtimeImports: "Database, Model, testClient, type TestClient",
    createTables: [
      `  // this app's migrations are written for ${engine}; the test's database is SQLite, so the`,
      "  // users table comes from SQLite's form of the generated migration (keep them in step)",
      `  await db.execute(\`
${ddl}
  \`);`,
    ].join("\n"),
  };
}

function createUsers(engine: Engine): string {
  return readTemplate("generate/auth/create-users.sql", { engine, primaryKey: primaryKeyColumn(engine), datetime: columnType(engine, "datetime"), tableOptions: tableOptions(engine) });
}

export function planAuth(root: string, options: { databaseUrl?: string | undefined; stamp: string }): PlannedFile[] {
  const engine = engineOf(options.databaseUrl ?? setting("TINA4_DATABASE_URL"));
  const model = join(root, "src", "models", "User.ts");
  const guard = join(root, "src", "middleware", "authGuard.ts");
  const test = join(root, "test", "auth.test.ts");
  // --force rewrites the users migration in place rather than adding a second CREATE TABLE
  const migration = existingMigration(root) ?? `${options.stamp}_create_users`;
  return [
    { path: model, contents: readTemplate("generate/auth/User.ts", {}) },
    { path: join(root, "migrations", `${migration}.sql`), contents: createUsers(engine) },
    // one per other engine: `tina4 migrate` picks migrations/<engine>/<name>.sql there
    ...otherEngines(engine).map((e) => ({ path: join(root, "migrations", e, `${migration}.sql`), contents: createUsers(e) })),
    { path: join(root, "migrations", `${migration}.down.sql`), contents: readTemplate("generate/auth/create-users.down.sql", { file: `${migration}.sql` }) },
    { path: guard, contents: readTemplate("generate/auth/guard.ts", {}) },
    ...ROUTES.map(([template, parts]) => {
      const path = join(root, "src", "routes", ...parts);
      return { path, contents: readTemplate(`generate/auth/${template}`, { userImport: importPath(path, model), guardImport: importPath(path, guard) }) };
    }),
    { path: test, contents: readTemplate("generate/auth/auth.test.ts", testSchema(engine)) },
  ];
}
