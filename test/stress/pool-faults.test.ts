/**
 * The connection pool when the server goes away: queued callers fail fast instead of waiting
 * for the acquire timeout, broken connections are never handed out again, and a queue behind
 * live connections keeps waiting for them.
 */
import { describe, expect, it } from "vitest";
import { Pool } from "../../runtime/db/pool.js";
import { DatabaseError, DbErrorCode } from "../../runtime/db/errors.js";

interface FakeConn {
  id: number;
  broken: boolean;
  destroyed: boolean;
}

function fakePool(size: number, connect: (n: number) => Promise<FakeConn>) {
  let made = 0;
  const destroyed: number[] = [];
  const pool = new Pool<FakeConn>({
    size,
    acquireTimeoutMs: 5000,
    engine: "postgres",
    create: () => connect(++made),
    destroy: async (c) => {
      c.destroyed = true;
      destroyed.push(c.id);
    },
    isBroken: (c) => c.broken,
  });
  return { pool, destroyed, made: () => made };
}

const refused = () => new DatabaseError(DbErrorCode.UNAVAILABLE, "[postgres] connect ECONNREFUSED 127.0.0.1:1", { engine: "postgres" });

describe("Pool under faults", () => {
  it("callers queued behind a failing connect fail fast with its error, not after the acquire timeout", async () => {
    const { pool } = fakePool(2, () => new Promise((_, reject) => setTimeout(() => reject(refused()), 20)));
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => pool.acquire()));
    const elapsed = performance.now() - started;
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    for (const r of results) expect(((r as PromiseRejectedResult).reason as DatabaseError).code).toBe(DbErrorCode.UNAVAILABLE);
    expect(elapsed).toBeLessThan(1000);
    expect(pool.inUse).toBe(0);
    await pool.close();
  });

  it("after the outage the same pool connects again", async () => {
    let down = true;
    const { pool } = fakePool(2, async (n) => {
      if (down) throw refused();
      return { id: n, broken: false, destroyed: false };
    });
    await expect(pool.acquire()).rejects.toMatchObject({ code: DbErrorCode.UNAVAILABLE });
    down = false;
    const conn = await pool.acquire();
    expect(conn.broken).toBe(false);
    pool.release(conn);
    await pool.close();
  });

  it("a connection marked broken is destroyed on release and never handed out again; its waiter gets a new one", async () => {
    const { pool, destroyed } = fakePool(1, async (n) => ({ id: n, broken: false, destroyed: false }));
    const first = await pool.acquire();
    const waiting = pool.acquire();
    first.broken = true; // e.g. pg emitted 'error' / 'end' for its socket
    pool.release(first);
    const second = await waiting;
    expect(second.id).not.toBe(first.id);
    expect(destroyed).toEqual([first.id]);
    pool.release(second);
    // an idle connection that breaks while parked is skipped too
    second.broken = true;
    const third = await pool.acquire();
    expect(third.id).not.toBe(second.id);
    expect(destroyed).toEqual([first.id, second.id]);
    pool.release(third);
    await pool.close();
  });

  it("a failed connect does not reject callers queued behind a live connection: they get it on release", async () => {
    let calls = 0;
    const { pool } = fakePool(2, async (n) => {
      if (++calls === 2) throw refused(); // the second slot cannot connect
      return { id: n, broken: false, destroyed: false };
    });
    const live = await pool.acquire();
    const failing = pool.acquire(); // grows into slot 2 and fails
    const queued = pool.acquire(); // queued: total is 2 while that connect is in flight
    await expect(failing).rejects.toMatchObject({ code: DbErrorCode.UNAVAILABLE });
    pool.release(live);
    await expect(queued).resolves.toBe(live);
    pool.release(live);
    await pool.close();
  });
});
