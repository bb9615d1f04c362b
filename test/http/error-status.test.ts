/**
 * The HTTP status of a failed request comes from the error itself (`error.status` on tina4
 * errors), not from the HTTP core recognising other layers' codes: a database that is down
 * answers 503, any other database failure 500, and a foreign error's `status` is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseError, DbErrorCode } from "../../runtime/db/errors.js";
import { Tina4Error } from "../../runtime/errors.js";
import { statusOf } from "../../runtime/http/error-response.js";
import { HttpError } from "../../runtime/http/errors.js";
import { startApp } from "../support/http.js";

type Started = Awaited<ReturnType<typeof startApp>>;

describe("error status over HTTP", () => {
  let server: Started;
  beforeAll(async () => {
    server = await startApp((app) => {
      app.get("/db-down", () => {
        throw new DatabaseError(DbErrorCode.UNAVAILABLE, "[postgres] connect ECONNREFUSED");
      });
      app.get("/db-pool", async () => {
        throw new DatabaseError(DbErrorCode.POOL_TIMEOUT, "[postgres] no connection within 10000 ms");
      });
      app.get("/db-query", () => {
        throw new DatabaseError(DbErrorCode.QUERY, 'relation "nope" does not exist');
      });
      app.get("/hidden-404", () => {
        throw new HttpError(404, "no row 42 in table secret_accounts", { expose: false });
      });
      app.get("/foreign", () => {
        throw Object.assign(new Error("upstream said 404"), { status: 404 });
      });
    });
  });
  afterAll(() => server.close());

  const get = async (path: string) => {
    const reply = await fetch(`${server.url}${path}`);
    return { status: reply.status, body: (await reply.json()) as { error: string; requestId: string } };
  };

  it("answers 503 while the database is unreachable, with no detail leaked", async () => {
    const down = await get("/db-down");
    expect(down.status).toBe(503);
    expect(down.body.error).toBe("Service Unavailable");
    expect(JSON.stringify(down.body)).not.toContain("ECONNREFUSED");
    expect((await get("/db-pool")).status).toBe(503);
  });

  it("answers 500 for other database failures", async () => {
    const failed = await get("/db-query");
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe("Internal Server Error");
  });

  it("a client error whose message is not exposed says its reason phrase, not 'Internal Server Error' nor the message", async () => {
    const res = await fetch(`${server.url}/hidden-404`);
    const body = (await res.json()) as { error: string };
    expect(res.status).toBe(404);
    expect(body.error).toBe("Not Found");
    expect(JSON.stringify(body)).not.toContain("secret_accounts");
  });

  it("ignores a status on errors that are not tina4's", async () => {
    expect((await get("/foreign")).status).toBe(500);
  });
});

describe("statusOf", () => {
  it("takes a tina4 error's status only when it is an HTTP error status", () => {
    class WithStatus extends Tina4Error {
      constructor(readonly status: unknown) {
        super("T4_ERR_TEST", "test");
      }
    }
    expect(statusOf(new WithStatus(409))).toBe(409);
    expect(statusOf(new WithStatus(200))).toBe(500);
    expect(statusOf(new WithStatus("503"))).toBe(500);
    expect(statusOf(new Tina4Error("T4_ERR_TEST", "no status"))).toBe(500);
    expect(statusOf({ code: DbErrorCode.UNAVAILABLE })).toBe(500);
  });
});
