/**
 * Resuming an SSE feed in headless Chromium: broadcasts carry an `id:` (`broadcast(room, data,
 * { id })`), so when the stream ends (a restart, a drain) EventSource reconnects with the
 * `Last-Event-ID` of the last broadcast it saw and the route replays only what came after —
 * the "your own replay" docs/realtime.md describes. Without ids on broadcasts the browser
 * could only send the id of an event the route sent itself (or none), and the replay repeated
 * or lost events.
 */
import { afterEach, describe, expect, it } from "vitest";
import { broadcast, type SseStream } from "../../runtime/index.js";
import { useChromium } from "../support/chromium.js";
import { startApp } from "../support/http.js";

const chrome = useChromium();
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const PAGE = `<!doctype html><html><body><ul id="log"></ul><script>
  window.seen = [];
  const events = new EventSource("/feed");
  events.addEventListener("news", (e) => window.seen.push({ id: e.lastEventId, data: JSON.parse(e.data) }));
</script></body></html>`;

describe("SSE resume in Chromium", () => {
  it("EventSource reconnects with the Last-Event-ID of the last broadcast and gets only the events after it", async (ctx) => {
    const browser = chrome.require(ctx);
    const history: Array<{ id: number; text: string }> = [];
    const streams = new Set<SseStream>();
    const lastEventIds: Array<string | null> = [];
    const server = await startApp((app) => {
      app.get("/", (_req, res) => res.html(PAGE));
      app.get("/feed", (req, res) => {
        const stream = res.sse({ retry: 200 });
        lastEventIds.push(stream.lastEventId);
        // the app's own replay: what was published after the id the browser last saw
        const after = Number(stream.lastEventId ?? 0);
        for (const item of history.filter((h) => h.id > after)) stream.send(item, { event: "news", id: item.id });
        stream.join("news");
        streams.add(stream);
        stream.onClose(() => streams.delete(stream));
      });
    });
    closers.push(server.close);
    const publish = async (text: string) => {
      const item = { id: history.length + 1, text };
      history.push(item);
      await broadcast("news", item, { event: "news", id: item.id });
    };

    const page = await browser.newPage();
    await page.goto(server.url);
    await expect.poll(() => streams.size, { timeout: 5_000 }).toBe(1);
    await publish("one");
    await publish("two");
    await page.waitForFunction("window.seen.length === 2", undefined, { timeout: 5_000 });

    // the stream ends (as in a restart); while the browser is away, a third item is published
    for (const stream of streams) stream.close();
    await publish("three");
    await page.waitForFunction("window.seen.length >= 3", undefined, { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(lastEventIds).toEqual([null, "2"]);
    const seen = (await page.evaluate("window.seen")) as Array<{ id: string; data: { text: string } }>;
    expect(seen.map((event) => [event.id, event.data.text])).toEqual([["1", "one"], ["2", "two"], ["3", "three"]]);
    await page.close();
  }, 30_000);

  it("broadcast refuses an id that is neither a string nor a finite number (T4_ERR_WS_OPTIONS), before publishing", async () => {
    await expect(broadcast("news", "x", { id: {} as unknown as string })).rejects.toMatchObject({ code: "T4_ERR_WS_OPTIONS" });
    await expect(broadcast("news", "x", { id: Number.NaN })).rejects.toMatchObject({ code: "T4_ERR_WS_OPTIONS" });
  });
});
