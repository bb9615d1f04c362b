import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { get, makeApp, serve, type Served } from "./support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** An app's own hooks next to the dev worker's (issue 13 item 1). */
const appFile = `import { app } from "tina4";
// every request needs a key: an onRequest hook that answers first
app.addHook("onRequest", (req, res) => {
  if (req.headers["x-key"] !== "k") res.status(401).json({ error: "key needed" });
});
app.addHook("onSend", (_req, _res, payload) => {
  if (payload.kind === "data" && typeof payload.data === "string") return { kind: "data", data: payload.data.replace("hi", "HI") };
});
`;

/** The response head of `url` (the stream stays open, so only the head is awaited). */
function head(url: string): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]) });
      req.destroy();
    });
    req.on("error", reject);
    req.end();
  });
}

describe("tina4 serve (dev) with app hooks", () => {
  it("runs the dev worker's stream before the app's onRequest hooks, and adds the live client after its onSend hooks", async () => {
    const dir = makeApp({
      "src/app.ts": appFile,
      "src/routes/page/get.ts": 'export default () => "<!doctype html><html><body><h1>hi</h1></body></html>";\n',
    });
    served = await serve(dir);
    // the app answers 401 without a key, but the live-reload stream is the dev server's own
    expect(await head(`${served.url}/__tina4/live`)).toEqual({ status: 200, type: "text/event-stream; charset=utf-8" });
    expect((await get(`${served.url}/page`)).status).toBe(401);

    const page = await get(`${served.url}/page`, { headers: { "x-key": "k" } });
    expect(page.status).toBe(200);
    // the app's onSend changed the page; the client was added to what it made, once
    expect(page.body).toMatch(/^<!doctype html><html><body><h1>HI<\/h1><script data-tina4-live>.*<\/script><\/body><\/html>$/);
    expect(page.body.match(/data-tina4-live/g)).toHaveLength(1);
    expect(Number(page.headers["content-length"])).toBe(Buffer.byteLength(page.body));
  });
});
