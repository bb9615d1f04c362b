/**
 * Network adapters share their lost-connection wiring (runtime/db/adapters/network.ts): a
 * connection the server closes while it sits idle in the pool marks itself broken, so the
 * pool opens a new one and the next query succeeds instead of failing on the dead socket.
 * PostgreSQL and MariaDB through serviceUrl (required in CI).
 */
import { describe, expect, it } from "vitest";
import { Database } from "../../runtime/db/index.js";
import { serviceUrl } from "../support/services.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const engines = [
  {
    name: "postgres",
    url: serviceUrl("POSTGRES"),
    whoAmI: "SELECT pg_backend_pid() AS id",
    kill: (admin: Database, id: unknown) => admin.fetchOne("SELECT pg_terminate_backend(?) AS ok", [Number(id)]),
  },
  {
    name: "mysql",
    url: serviceUrl("MYSQL"),
    whoAmI: "SELECT CONNECTION_ID() AS id",
    kill: (admin: Database, id: unknown) => admin.execute(`KILL ${Number(id)}`),
  },
];

describe.each(engines)("lost connection on $name", ({ url, whoAmI, kill }) => {
  it.skipIf(!url)("the pool drops an idle connection the server closed; the next query runs on a new one", async () => {
    const db = await Database.connect(url!, { pool: 1, queryCache: { request: false, persistent: false } });
    const admin = await Database.connect(url!, { pool: 1, queryCache: { request: false, persistent: false } });
    try {
      const before = await db.fetchOne(whoAmI);
      await kill(admin, before!.id);
      // the server's goodbye ('error' / 'end' on the socket) arrives asynchronously
      await sleep(300);
      const after = await db.fetchOne(whoAmI);
      expect(after!.id).not.toEqual(before!.id);
      expect(await db.fetchOne("SELECT 1 AS one")).toEqual({ one: 1 });
    } finally {
      await db.close();
      await admin.close();
    }
  });
});
