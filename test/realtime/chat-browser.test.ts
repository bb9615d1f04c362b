/**
 * A tiny chat page in headless Chromium under `tina4 serve` (dev): two pages join a room,
 * one sends, the other shows it; after a code edit the dev reload closes the sockets with
 * 1001, the pages reconnect and chat on with the new code.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { useChromium } from "../support/chromium.js";
import { makeApp, serve, writeFile, type Served } from "../dev/support.js";

const route = (prefix: string) => `import { broadcast, type Socket } from "tina4";
type Room = Socket<{ room: string }>;
export function open(socket: Room) {
  socket.join(socket.params.room);
}
export function message(socket: Room, data: string | Buffer) {
  void broadcast(socket.params.room, { text: "${prefix}" + String(data) });
}
`;

const PAGE = `<!doctype html>
<html><head><title>chat</title></head>
<body>
  <p id="state">connecting</p>
  <form id="form"><input id="text" autocomplete="off"><button>Send</button></form>
  <ul id="log"></ul>
  <p id="closes"></p>
  <script>
    let socket;
    function connect() {
      socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/lobby");
      socket.onopen = () => (document.getElementById("state").textContent = "open");
      socket.onmessage = (event) => {
        const li = document.createElement("li");
        li.textContent = JSON.parse(event.data).text;
        document.getElementById("log").append(li);
      };
      socket.onclose = (event) => {
        document.getElementById("state").textContent = "closed";
        document.getElementById("closes").textContent += event.code + " ";
        setTimeout(connect, 100);
      };
    }
    connect();
    document.getElementById("form").onsubmit = (event) => {
      event.preventDefault();
      socket.send(document.getElementById("text").value);
      document.getElementById("text").value = "";
    };
  </script>
</body></html>
`;

const chrome = useChromium();
let served: Served | null = null;
afterAll(async () => {
  await served?.stop();
});

async function open(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(`document.getElementById("state").textContent === "open"`, undefined, { timeout: 5_000 });
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.click("button");
}

const inLog = (text: string) => `[...document.querySelectorAll("#log li")].some((li) => li.textContent === ${JSON.stringify(text)})`;
const shows = (page: Page, text: string, timeout = 2_000) => page.waitForFunction(inLog(text), undefined, { timeout });

describe("a chat page in headless Chromium", () => {
  it("two pages: one sends, the other shows it; after a dev reload both reconnect and chat with the new code", async (ctx) => {
    const browser = chrome.require(ctx);
    const dir = makeApp({ "src/routes/chat/[room]/ws.ts": route(""), "public/chat.html": PAGE });
    served = await serve(dir);
    const alice = await open(browser, `${served.url}/chat.html`);
    const bob = await open(browser, `${served.url}/chat.html`);
    await say(alice, "hello bob");
    await shows(bob, "hello bob");
    await shows(alice, "hello bob");
    await say(bob, "hi alice");
    await shows(alice, "hi alice");

    // a code edit: the retiring worker closes its sockets with 1001 and the pages reload/reconnect
    writeFile(dir, "src/routes/chat/[room]/ws.ts", route("v2: "));
    await served.waitFor(/reloaded/, 15_000);
    for (const page of [alice, bob]) {
      await page.waitForFunction(`document.getElementById("state").textContent === "open"`, undefined, { timeout: 5_000 });
    }
    // a page that did not reload saw the 1001; one that reloaded starts fresh: either way it chats on
    await expect.poll(async () => {
      await say(alice, "after reload");
      return bob.evaluate(inLog("v2: after reload"));
    }, { timeout: 5_000, interval: 300 }).toBe(true);
  }, 60_000);
});
