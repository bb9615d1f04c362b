import { afterEach, describe, expect, it } from "vitest";
import { get, makeApp, serve, type Served } from "../dev/support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

const files = {
  "src/routes/items/[id]/get.ts": "export default () => ({ pid: process.pid });\n",
};

function total(text: string): number {
  const line = text.split("\n").find((row) => row.startsWith('http_requests_total{method="GET",route="/items/{id}",status="200"}'));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("serve --production --workers 2 with TINA4_METRICS=true", () => {
  it("reports the sum over both workers, whichever worker answers the scrape", async () => {
    const dir = makeApp(files);
    served = await serve(dir, ["--production", "--workers", "2"], { TINA4_METRICS: "true", TINA4_METRICS_TOKEN: "tok-123", TINA4_DRAIN_DELAY: "0" });
    const N = 17;
    const pids = new Set<number>();
    for (let i = 0; i < N; i++) {
      const reply = await get(`${served.url}/items/${i}`, { headers: { connection: "close" } });
      pids.add((JSON.parse(reply.body) as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
    const scrapes = [];
    for (let i = 0; i < 2; i++) {
      scrapes.push(await get(`${served.url}/__metrics`, { headers: { connection: "close", authorization: "Bearer tok-123" } }));
    }
    for (const scrape of scrapes) {
      expect(scrape.status).toBe(200);
      expect(total(scrape.body)).toBe(N);
      expect(scrape.body).toMatch(new RegExp(`http_request_duration_seconds_count\\{method="GET",route="/items/\\{id\\}"\\} ${N}`));
    }
    expect((await get(`${served.url}/__metrics`, { headers: { connection: "close" } })).status).toBe(401);
  });
});
