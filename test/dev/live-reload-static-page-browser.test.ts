import { afterEach, describe, expect, it } from "vitest";
import { useLiveBrowser } from "./browser.js";
import { makeApp, serve, writeFile, type Served } from "./support.js";

/** A static page whose size changes with `n` (shorter and longer in turn), ending with a marker. */
const page = (n: number) => {
  const rows = n % 2 === 0 ? 40 + n * 30 : 5;
  const items = Array.from({ length: rows }, (_, i) => `<li>version ${n} row ${i}</li>`).join("\n");
  return `<!doctype html><html><head><title>static ${n}</title></head><body><h1 id="title">version ${n}</h1><ul>\n${items}\n</ul><p id="end">end of version ${n}</p></body></html>\n`;
};
const rowsOf = (n: number) => (n % 2 === 0 ? 40 + n * 30 : 5);

const chrome = useLiveBrowser();
let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/**
 * An HTML file under public/ (served with res.file()'s machinery, the live-reload client appended
 * to it) edited while the browser shows it: each save reloads the page, which shows the new
 * version whole — every row, the end marker, one live client still listening — whether the file
 * grew or shrank (test/dev/live-reload-file-changes.test.ts forces the race this guards).
 */
describe("tina4 serve (dev): a static HTML page edited in a real browser", () => {
  it("reloads and shows each new version completely, grown or shrunk", async (ctx) => {
    if (!chrome.browser) return ctx.skip();
    const dir = makeApp({ "public/page.html": page(0) });
    served = await serve(dir);
    const tab = await chrome.open(`${served.url}/page.html`);
    expect(await tab.textContent("#end")).toBe("end of version 0");

    for (let n = 1; n <= 6; n++) {
      const reconnected = tab.waitForResponse((response) => response.url().endsWith("/__tina4/live"), { timeout: 5_000 });
      const saved = Date.now();
      writeFile(dir, "public/page.html", page(n));
      await tab
        .waitForFunction(`document.getElementById("end")?.textContent === "end of version ${n}"`, undefined, { timeout: 3_000 })
        .catch(async (error: Error) => {
          const shown = await tab.content().catch(() => "?");
          throw new Error(`edit ${n}: the page is not version ${n} whole 3 s after the save (${error.message})\n--- page ---\n${shown.slice(-400)}\n--- serve output ---\n${served!.output()}`);
        });
      console.log(`static page live reload: edit ${n} (${page(n).length} bytes) complete after ${Date.now() - saved} ms`);
      const shown = await tab.evaluate<{ title: string; rows: number; last: string; clients: number }>(
        `({ title: document.title, rows: document.querySelectorAll("li").length, last: document.querySelector("li:last-child")?.textContent ?? "", clients: document.querySelectorAll("script[data-tina4-live]").length })`,
      );
      expect(shown).toEqual({ title: `static ${n}`, rows: rowsOf(n), last: `version ${n} row ${rowsOf(n) - 1}`, clients: 1 });
      await reconnected; // the reloaded page's client (intact, so it ran) listens before the next edit
    }
  }, 90_000);
});
