import { afterEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { get, makeApp, serve, type Served } from "../dev/support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

const files = { "src/routes/whoami/get.ts": "export default () => ({ pid: process.pid });\n" };
/** New connection per request, as a load balancer's health check makes them. */
const fresh = { headers: { connection: "close" } };

describe("tina4 serve --production: drain (SPEC §14) and readiness", () => {
  it("on SIGTERM answers /__ready 503 for TINA4_DRAIN_DELAY seconds while still serving, then stops accepting and exits 0", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"]);
    // the scaffold's .env names its SQLite database, so that is checked too
    expect(JSON.parse((await get(`${served.url}/__ready`, fresh)).body)).toEqual({ status: "ok", checks: { server: "ok", database: "ok" } });

    const signalled = Date.now();
    served.child.kill("SIGTERM");
    await served.waitFor(/draining 2 worker\(s\) \(\/__ready answers 503 for 2s while serving/);
    // the primary says so as it signals the workers: give them a moment to receive it
    for (let i = 0; i < 20 && (await get(`${served.url}/__ready`, fresh)).status !== 503; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    // new connections are handed to the workers in turn: both say unavailable, both still serve
    for (let i = 0; i < 2; i++) {
      const ready = await get(`${served.url}/__ready`, fresh);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toEqual({ status: "unavailable", checks: { server: "draining" } });
    }
    const pids = new Set<number>();
    for (let i = 0; i < 2; i++) pids.add((JSON.parse((await get(`${served.url}/whoami`, fresh)).body) as { pid: number }).pid);
    expect(pids.size).toBe(2);
    expect(Date.now() - signalled).toBeLessThan(2_000); // all of the above happened inside the delay
    expect(await served.exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(2_000);
    await expect(get(`${served.url}/__health`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("one worker (it accepts from the listening socket itself): serves new connections through the delay, finishes an in-flight request, then stops accepting", async () => {
    const dir = makeApp({ ...files, "src/routes/slow/get.ts": "export default async () => {\n  await new Promise((resolve) => setTimeout(resolve, 1_500));\n  return { done: true };\n};\n" });
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_DRAIN_DELAY: "1" });
    const worker = (JSON.parse((await get(`${served.url}/whoami`, fresh)).body) as { pid: number }).pid;
    const slow = get(`${served.url}/slow`, fresh);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the slow request is in flight
    const signalled = Date.now();
    served.child.kill("SIGTERM");
    await served.waitFor(/draining 1 worker\(s\) \(\/__ready answers 503 for 1s while serving/);
    for (let i = 0; i < 20 && (await get(`${served.url}/__ready`, fresh)).status !== 503; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await get(`${served.url}/__ready`, fresh)).status).toBe(503);
    expect(JSON.parse((await get(`${served.url}/whoami`, fresh)).body)).toEqual({ pid: worker });
    expect(Date.now() - signalled).toBeLessThan(1_000); // inside the delay
    const answered = await slow;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ done: true });
    expect(await served.exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1_000);
    await expect(get(`${served.url}/__health`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("stops accepting at once with TINA4_DRAIN_DELAY=0", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_DRAIN_DELAY: "0" });
    const signalled = Date.now();
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(2_000); // the default delay alone would take 2 s
    expect(served.output()).not.toContain("/__ready answers 503");
  });

  it("answers /__ready 503 naming the database while TINA4_DATABASE_URL is unreachable (no reasons in production)", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_DATABASE_URL: `postgres://tina4:secret@127.0.0.1:${port}/app`, TINA4_DRAIN_DELAY: "0" });
    const ready = await get(`${served.url}/__ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: "unavailable", checks: { server: "ok", database: "unavailable" } });
    expect((await get(`${served.url}/__health`)).status).toBe(200);
    expect((await get(`${served.url}/whoami`)).status).toBe(200);
    // production logs JSON lines (quotes escaped), written in batches: wait for the line
    await served.waitFor(/readiness check \\?"database\\?" failed/, 5_000);
    expect(served.output()).not.toContain("secret");
  });
});
