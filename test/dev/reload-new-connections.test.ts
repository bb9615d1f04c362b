import { afterEach, describe, expect, it } from "vitest";
import { freshConnectionLoad, get, makeApp, serve, until, writeFile, type Served } from "./support.js";

const route = (version: number) => `export default () => ({ version: ${version} });\n`;

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

const RELOADS = 200;

/**
 * Issue 12 item 1: a request on a NEW connection that arrived while a worker retired could
 * stay unanswered forever (held by the cluster primary). Browsers and curl open new
 * connections all the time, so this is what a user hits right after saving a file.
 */
describe("tina4 serve (dev): reloads while clients open a new connection per request", () => {
  it(`answers every request within 2 s through ${RELOADS} worker swaps`, async () => {
    const dir = makeApp({ "src/routes/version/get.ts": route(0) });
    served = await serve(dir);
    const url = `${served.url}/version`;
    expect((await get(url)).body).toBe('{"version":0}');

    const started = Date.now();
    let reloading = true;
    const traffic = freshConnectionLoad(url, { clients: 3, keepGoing: () => reloading, deadlineMs: 2_000 });
    try {
      for (let n = 1; n <= RELOADS; n++) {
        const from = served.output().length;
        writeFile(dir, "src/routes/version/get.ts", route(n));
        await served.waitFor(/reloaded \(/, 10_000, from);
      }
    } finally {
      reloading = false;
    }
    const report = await traffic;
    const seconds = (Date.now() - started) / 1000;
    console.log(`dev reloads with a new connection per request: ${report.answered}/${report.total} answered within 2 s, ${RELOADS} reloads, ${seconds.toFixed(1)} s`);

    expect(report.failures).toEqual([]);
    expect(report.answered).toBe(report.total);
    expect(report.total).toBeGreaterThan(RELOADS); // traffic ran throughout
    for (const body of report.bodies.keys()) expect(body).toMatch(/^\{"version":\d+\}$/);
    expect(served.output().match(/reloaded \(/g)).toHaveLength(RELOADS);
    // the last save is what a new connection gets now
    const latest = await until(url, (reply) => reply.body === `{"version":${RELOADS}}`);
    expect(latest.status).toBe(200);
  }, 150_000);
});
