/**
 * `lock()` / `tryLock()` on Redis, Valkey, PostgreSQL and MariaDB (advisory locks) and SQLite
 * (lock row): in-process semantics, then two processes contending (mutual exclusion) and a
 * holder killed with SIGKILL (the lock frees: at once for advisory locks, after the TTL otherwise).
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocks, configureLock, lock, lockBackendInfo, tryLock, LockError } from "../../runtime/lock/index.js";
import { freshDatabase } from "../migrate/engines.js";
import { deleteKeys, sleep, waitFor } from "../jobs/support.js";
import { repoRoot, tempDir } from "../support/cli.js";
import { serviceUrl } from "../support/services.js";

type LockStore = "redis" | "valkey" | "postgres" | "mysql" | "sqlite";
const STORES: readonly LockStore[] = ["redis", "valkey", "postgres", "mysql", "sqlite"];
const SERVICE = { redis: "REDIS", valkey: "VALKEY", postgres: "POSTGRES", mysql: "MYSQL" } as const;
const EXPECTED_KIND: Record<LockStore, string> = { redis: "redis", valkey: "redis", postgres: "advisory", mysql: "advisory", sqlite: "row" };
const RUNTIME = join(repoRoot, "dist", "runtime", "index.js");
const CONTENDER = join(import.meta.dirname, "fixtures", "contender.mjs");

function available(store: LockStore): boolean {
  return store === "sqlite" || serviceUrl(SERVICE[store]) !== undefined;
}

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CONTENDER, ...args], { env: { ...process.env, TINA4_RUNTIME: RUNTIME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe.each(STORES)("lock on %s", (store) => {
  // Skipped only locally when the server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!available(store))("", () => {
    let url: string;
    let prefix = "";
    let cleanup: () => Promise<void>;
    let n = 0;
    const name = () => `job-${store}-${++n}`;

    beforeAll(async () => {
      if (store === "redis" || store === "valkey") {
        url = serviceUrl(SERVICE[store])!;
        prefix = `t4l_${process.pid}_${Math.floor(Math.random() * 1e6)}:`;
        cleanup = () => deleteKeys(url, `${prefix}*`);
      } else {
        const db = await freshDatabase(store, "lock");
        url = db.url;
        cleanup = db.drop;
      }
      await configureLock({ url, prefix });
    });
    afterAll(async () => {
      await closeLocks();
      await cleanup();
    });

    it(`uses ${EXPECTED_KIND[store]} locks`, async () => {
      expect((await lockBackendInfo()).kind).toBe(EXPECTED_KIND[store]);
    });

    it("tryLock skips while the lock is held, and gets it once released; lock returns fn's value", async () => {
      const key = name();
      let inner: unknown;
      const value = await lock(key, 5, async () => {
        inner = await tryLock(key, 5, () => "never");
        return 42;
      });
      expect(value).toBe(42);
      expect(inner).toEqual({ acquired: false });
      expect(await tryLock(key, 5, () => "now")).toEqual({ acquired: true, value: "now" });
    });

    it("lock() waits for a held lock, and fails with T4_ERR_LOCK_TIMEOUT after waitSeconds", async () => {
      const key = name();
      const order: string[] = [];
      const first = lock(key, 5, async () => {
        order.push("first in");
        await sleep(300);
        order.push("first out");
      });
      await sleep(50);
      const second = lock(key, 5, () => void order.push("second"), { waitSeconds: 10 });
      const error = await lock(key, 5, () => "x", { waitSeconds: 0.1 }).catch((e: unknown) => e);
      await Promise.all([first, second]);
      expect(order).toEqual(["first in", "first out", "second"]);
      expect(error).toBeInstanceOf(LockError);
      expect((error as LockError).code).toBe("T4_ERR_LOCK_TIMEOUT");
    });

    it("a throwing fn releases the lock and its error reaches the caller", async () => {
      const key = name();
      await expect(lock(key, 5, () => { throw new Error("inside"); })).rejects.toThrow("inside");
      expect((await tryLock(key, 5, () => 1)).acquired).toBe(true);
    });

    it("the holder renews the lock while fn runs past the TTL", async () => {
      const key = name();
      let during: unknown;
      await lock(key, 1, async (ctx) => {
        await sleep(2200);
        during = await tryLock(key, 1, () => "stolen");
        expect(ctx.signal.aborted).toBe(false);
      });
      expect(during).toEqual({ acquired: false });
    });

    it("rejects a bad name or a TTL that looks like milliseconds' opposite (below 0.1 s)", async () => {
      for (const [k, ttl] of [["", 5], ["x", 0.01], ["x", Number.NaN]] as const) {
        const error = await lock(k, ttl, () => 1).catch((e: unknown) => e);
        expect((error as LockError).code).toBe("T4_ERR_LOCK_ARGUMENT");
      }
    });

    it("two processes: mutual exclusion over 40 rounds each", async () => {
      const dir = tempDir("tina4-lock-");
      const log = join(dir, "lock.log");
      writeFileSync(log, "");
      const env = { LOCK_URL: url, LOCK_PREFIX: prefix, LOCK_NAME: name(), LOCK_LOG: log };
      const a = run(["contend", "40"], env);
      const b = run(["contend", "40"], env);
      expect(await a.exited, a.output()).toBe(0);
      expect(await b.exited, b.output()).toBe(0);
      const lines = readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => l.split(" "));
      rmSync(dir, { recursive: true, force: true });
      expect(lines).toHaveLength(160);
      for (let i = 0; i < lines.length; i += 2) {
        // every enter is followed by the same process's exit: nobody else got in between
        expect(lines[i]![0], `line ${i}`).toBe("enter");
        expect(lines[i + 1]).toEqual(["exit", lines[i]![1]]);
      }
      expect(new Set(lines.map((l) => l[1])).size).toBe(2);
    }, 60_000);

    it("a holder killed with SIGKILL: the lock frees (advisory at once, otherwise within the TTL)", async () => {
      const env = { LOCK_URL: url, LOCK_PREFIX: prefix, LOCK_NAME: name(), LOCK_LOG: "/dev/null" };
      const holder = run(["hold", "2"], env);
      await waitFor("the holder to take the lock", () => holder.output().includes("held"), 20_000).catch((error: Error) => {
        throw new Error(`${error.message}; holder said: ${holder.output()}`);
      });
      const waiter = run(["wait", "2"], env);
      await sleep(2500); // longer than the TTL: a live holder keeps it
      expect(waiter.output()).toBe("");
      const killedAt = Date.now();
      holder.child.kill("SIGKILL");
      await holder.exited;
      await waitFor("the waiter to get the lock", () => waiter.output().includes("acquired"), 20_000, 20);
      const freedAfter = Date.now() - killedAt;
      expect(await waiter.exited).toBe(0);
      expect(freedAfter).toBeLessThan(EXPECTED_KIND[store] === "advisory" ? 1500 : 2000 + 1500);
    }, 60_000);

    if (store === "redis" || store === "valkey") {
      it("a holder whose key expired never deletes the next holder's lock", async () => {
        const key = name();
        const client = createClient({ url });
        await client.connect();
        try {
          let lost: AbortSignal | undefined;
          let secondHolds!: () => void;
          const second = new Promise<void>((resolve) => (secondHolds = resolve));
          let releaseSecond!: () => void;
          const secondDone = new Promise<void>((resolve) => (releaseSecond = resolve));
          let secondRun: Promise<unknown> = Promise.resolve();
          await lock(key, 1, async (ctx) => {
            lost = ctx.signal;
            await client.del(`${prefix}${key}`); // as if it had expired while this holder was frozen
            secondRun = lock(key, 5, async () => {
              secondHolds();
              await secondDone;
            });
            await second;
            await sleep(600); // a renewal attempt notices the loss
          });
          expect(lost?.aborted).toBe(true);
          // the first holder's release left the second holder's key alone
          expect(await tryLock(key, 5, () => "third")).toEqual({ acquired: false });
          releaseSecond();
          await secondRun;
          expect((await tryLock(key, 5, () => "third")).acquired).toBe(true);
        } finally {
          await client.close();
        }
      });
    }
  });
});
