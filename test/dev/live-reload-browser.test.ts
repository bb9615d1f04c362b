import { afterEach, describe, expect, it } from "vitest";
import { useLiveBrowser } from "./browser.js";
import { makeApp, serve, writeFile, type Served } from "./support.js";

const page = (text: string) =>
  `export default () => \`<!doctype html><html><head><title>live</title><link rel="stylesheet" href="/css/site.css"></head>` +
  `<body><h1 id="title">${text}</h1></body></html>\`;\n`;

const chrome = useLiveBrowser();
let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** Issue 12 item 2: what a person sees in a real browser while editing files. */
describe("tina4 serve (dev): browser live reload in headless Chromium", () => {
  it("shows the new text of an edited HTML route within 2 s, with no navigation by the test", async (ctx) => {
    if (!chrome.browser) return ctx.skip();
    const dir = makeApp({ "src/routes/page/get.ts": page("version 0"), "public/css/site.css": "h1 { color: rgb(255, 0, 0); }\n" });
    served = await serve(dir);
    const tab = await chrome.open(`${served.url}/page`);
    expect(await tab.textContent("#title")).toBe("version 0");

    // Several edits: each reload runs while the page's earlier connections are still kept alive.
    for (let n = 1; n <= 5; n++) {
      const reconnected = tab.waitForResponse((response) => response.url().endsWith("/__tina4/live"), { timeout: 5_000 });
      const saved = Date.now();
      writeFile(dir, "src/routes/page/get.ts", page(`version ${n}`));
      await tab
        .waitForFunction(`document.getElementById("title")?.textContent === "version ${n}"`, undefined, { timeout: 2_000 })
        .catch(async (error: Error) => {
          throw new Error(`edit ${n}: the page shows "${await tab.textContent("#title").catch(() => "?")}" 2 s after the save (${error.message})\n--- serve output ---\n${served!.output()}`);
        });
      console.log(`browser live reload: edit ${n} visible after ${Date.now() - saved} ms`);
      await reconnected; // the reloaded page's live client listens before the next edit
    }
  }, 60_000);

  it("swaps an edited stylesheet under public/ without reloading the page", async (ctx) => {
    if (!chrome.browser) return ctx.skip();
    const dir = makeApp({ "src/routes/page/get.ts": page("styled"), "public/css/site.css": "h1 { color: rgb(255, 0, 0); }\n" });
    served = await serve(dir);
    const tab = await chrome.open(`${served.url}/page`);
    // Browser-side code as strings: the test's TypeScript has no DOM types.
    const color = () => tab.evaluate<string>('getComputedStyle(document.getElementById("title")).color');
    expect(await color()).toBe("rgb(255, 0, 0)");
    // state that a reload would lose
    await tab.evaluate("window.survivor = 42");
    let navigations = 0;
    tab.on("framenavigated", (frame) => {
      if (frame === tab.mainFrame()) navigations++;
    });

    const saved = Date.now();
    writeFile(dir, "public/css/site.css", "h1 { color: rgb(0, 0, 255); }\n");
    await tab.waitForFunction('getComputedStyle(document.getElementById("title")).color === "rgb(0, 0, 255)"', undefined, { timeout: 2_000 });
    console.log(`browser CSS swap visible after ${Date.now() - saved} ms`);
    expect(await tab.evaluate("window.survivor")).toBe(42);
    expect(navigations).toBe(0);
    // the old <link> was replaced, not duplicated
    expect(await tab.locator('link[rel="stylesheet"]').count()).toBe(1);
  }, 60_000);
});
