import { afterEach, describe, expect, it } from "vitest";
import { get, makeApp, serve, type Served } from "../dev/support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

const files = {
  "src/routes/items/[id]/get.ts": "export default (req: { params: { id: string } }) => ({ id: req.params.id, pid: process.pid });\n",
};

describe("serve --production request log", () => {
  it("writes exactly one JSON line per request across 2 workers, naming the route pattern", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"], { TINA4_DRAIN_DELAY: "0" });
    const pids = new Set<number>();
    const ids: string[] = [];
    const N = 24;
    for (let i = 0; i < N; i++) {
      // a new connection each time: the primary hands connections to the workers in turn
      const reply = await get(`${served.url}/items/${i}?secret=x`, { headers: { connection: "close" } });
      pids.add((JSON.parse(reply.body) as { pid: number }).pid);
      ids.push(String(reply.headers["x-request-id"]));
    }
    expect(pids.size).toBe(2);
    const deadline = Date.now() + 5_000;
    const lines = () =>
      served!
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.route === "/items/{id}");
    while (lines().length < N && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const records = lines();
    expect(records).toHaveLength(N);
    expect(records.map((record) => record.reqId).sort()).toEqual([...ids].sort());
    expect(new Set(records.map((record) => record.pid))).toEqual(pids);
    for (const record of records) {
      expect(record).toMatchObject({ level: 30, method: "GET", status: 200 });
      expect(typeof record.ms).toBe("number");
      expect(record).not.toHaveProperty("path");
    }
  });
});
