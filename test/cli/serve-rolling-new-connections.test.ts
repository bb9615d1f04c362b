import { afterEach, describe, expect, it } from "vitest";
import { freshConnectionLoad, get, makeApp, serve, type Served } from "../dev/support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/**
 * 40 rolls of 2 workers = 80 worker swaps in about 25 s here. Before the fix about one roll in three
 * left a request unanswered (issue 12: 3 of 13,796 requests over 10 rolls), so 40 rolls
 * miss the bug with a probability far below 1e-5, at a third of the dev test's run time.
 */
const ROLLS = 40;

/**
 * Issue 12 item 1 in production: a request on a NEW connection arriving while a rolling
 * restart (SIGHUP) retired a worker could stay unanswered forever in the primary.
 */
describe("tina4 serve --production: SIGHUP rolling restarts while clients open a new connection per request", () => {
  it(`answers every request within 2 s through ${ROLLS} rolling restarts of 2 workers`, async () => {
    await rollUnderLoad(2);
  }, 120_000);

  // One worker accepts from the shared listening socket itself (no hand-off): its replacement
  // listens on the same socket before it stops, so the kernel keeps what is pending for it.
  it(`answers every request within 2 s through ${ROLLS} rolling restarts of 1 worker`, async () => {
    await rollUnderLoad(1);
  }, 120_000);
});

async function rollUnderLoad(workers: number): Promise<void> {
  const dir = makeApp({ "src/routes/whoami/get.ts": "export default () => ({ pid: process.pid });\n" });
  served = await serve(dir, ["--production", "--workers", String(workers)]);
  const url = `${served.url}/whoami`;
  expect((await get(url)).status).toBe(200);

  const started = Date.now();
  let rolling = true;
  const traffic = freshConnectionLoad(url, { clients: 3, keepGoing: () => rolling, deadlineMs: 2_000 });
  const pids = new Set<string>();
  try {
    for (let n = 1; n <= ROLLS; n++) {
      const from = served.output().length;
      served.child.kill("SIGHUP");
      const [, list] = await served.waitFor(/rolling restart done \(pids ([\d, ]+)\)/, 15_000, from);
      for (const pid of list!.split(", ")) pids.add(pid);
    }
  } finally {
    rolling = false;
  }
  const report = await traffic;
  const seconds = (Date.now() - started) / 1000;
  console.log(`production rolling restarts of ${workers} worker(s) with a new connection per request: ${report.answered}/${report.total} answered within 2 s, ${ROLLS} rolls (${pids.size} new workers), ${seconds.toFixed(1)} s`);

  expect(report.failures).toEqual([]);
  expect(report.answered).toBe(report.total);
  expect(report.total).toBeGreaterThan(ROLLS * 10); // traffic ran throughout
  expect(pids.size).toBe(ROLLS * workers); // real worker swaps: every roll replaced every worker
  // the answers came from the workers of many generations
  expect(report.bodies.size).toBeGreaterThan(ROLLS * (workers === 1 ? 0.5 : 1));
}
