/**
 * Error pages in real headless Chromium: opening a missing page shows an HTML page (with
 * Chromium's own Accept header, not one a test made up), the app's errors/404.twig when it
 * has one, while fetch() from the same page still reads the JSON error.
 */
import { afterAll, describe, expect, it } from "vitest";
import { useChromium } from "../support/chromium.js";
import { startApp } from "../support/http.js";
import { templatesDir } from "../templates/support.js";

const chrome = useChromium();
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function serve(templates: string | null): Promise<string> {
  const server = await startApp((app) => app.get("/", () => "<h1>home</h1>"), { templatesDir: templates });
  closers.push(server.close);
  return server.url;
}

describe("a browser opening a missing page", () => {
  it("sees the built-in HTML error page with the 404 status, and fetch() from the page still gets JSON", async (test) => {
    const url = await serve(null);
    const page = await (await chrome.context(test)).newPage();
    const response = await page.goto(`${url}/no/such/page`);
    expect(response?.status()).toBe(404);
    expect(response?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    expect(await page.title()).toBe("404 Not Found");
    expect(await page.locator("h1").textContent()).toBe("Not Found");
    expect(await page.locator("main").textContent()).toContain("There is no page at /no/such/page.");
    expect(await page.locator("main code").textContent()).toBe(response?.headers()["x-request-id"]);
    const api = await page.evaluate(async () => {
      const res = await fetch("/api/missing");
      return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as { error: string } };
    });
    expect(api).toMatchObject({ status: 404, type: "application/json; charset=utf-8", body: { error: "Not Found" } });
  });

  it("sees the app's errors/404.twig", async (test) => {
    const folder = templatesDir({
      "errors/404.twig": "<!doctype html><title>Lost</title><h1>Nothing at {{ path }}</h1><a href=\"/\">Back home</a>",
    }, "tina4-html-errors-browser-");
    closers.push(async () => folder.cleanup());
    const url = await serve(folder.dir);
    const page = await (await chrome.context(test)).newPage();
    const response = await page.goto(`${url}/gone`);
    expect(response?.status()).toBe(404);
    expect(await page.title()).toBe("Lost");
    expect(await page.locator("h1").textContent()).toBe("Nothing at /gone");
    await Promise.all([page.waitForURL(`${url}/`), page.click("a")]);
    expect(await page.locator("h1").textContent()).toBe("home");
  });
});
