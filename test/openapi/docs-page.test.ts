import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "../../runtime/validation/zod.js";
import { useChromium } from "../support/chromium.js";
import { startApp } from "../support/http.js";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { join } from "node:path";
import { rmSync } from "node:fs";
import type { Page } from "playwright-core";

// The docs page in real headless Chromium: Swagger UI renders the app's routes from files the
// server itself serves, and the page load asks no other host for anything. The page is opened
// under a public-looking name (mapped to loopback): Swagger UI skips some outside requests (its
// online validator badge) for localhost only, so loopback alone would hide them.
const HOST = "docs.example.test";
const chrome = useChromium({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
let server: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  const Product = z.object({ name: z.string(), price: z.number() });
  server = await startApp(
    (app) => {
      app.get("/products", () => [], { schema: { query: z.object({ page: z.coerce.number().optional() }) }, meta: { summary: "List products" } });
      app.post("/products", () => ({}), { schema: { body: Product, response: { 201: Product } } });
      app.get("/products/{id:int}", () => ({}));
    },
    { dev: true },
  );
});

afterAll(async () => {
  await server?.close();
});

/** Records every request the page makes: to the server (continued) or elsewhere (refused). */
async function watch(page: Page, own: string): Promise<{ outside: string[]; served: string[] }> {
  const outside: string[] = [];
  const served: string[] = [];
  await page.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (url.host === own) {
      served.push(url.pathname);
      await route.continue();
    } else {
      outside.push(url.href);
      await route.abort();
    }
  });
  return { outside, served };
}

describe("/docs in headless Chromium", () => {
  it("shows every route and makes no request outside the server", async (test) => {
    const page = await chrome.require(test).newPage();
    const own = `${HOST}:${new URL(server.url).port}`;
    const { outside, served } = await watch(page, own);
    await page.goto(`http://${own}/docs`);
    const paths = page.locator(".opblock-summary-path");
    await paths.first().waitFor({ timeout: 20_000 });
    expect((await paths.allTextContents()).map((text) => text.replace(/\u200b/g, "")).sort()).toEqual(["/products", "/products", "/products/{id}"]);
    await expect(page.locator(".opblock-summary-description").first().textContent()).resolves.toBe("List products");
    // Expand POST /products: its 422 answer is documented.
    await page.locator(".opblock-post .opblock-summary").click();
    await page.locator(".opblock-post .responses-table").first().waitFor();
    expect(await page.locator(".opblock-post .response-col_status").allTextContents()).toEqual(expect.arrayContaining(["201", "422"]));
    await page.waitForLoadState("networkidle");
    expect(outside).toEqual([]);
    expect(served).toEqual(expect.arrayContaining(["/docs", "/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js", "/openapi.json"]));
    await page.close();
  });

  it("under `tina4 serve` (dev, live reload injected) the page of a new app shows its routes, nothing fetched elsewhere", async (test) => {
    const browser = chrome.require(test);
    const root = tempDir("tina4-docs-serve-");
    const app = join(root, "app");
    expect(runCli(["init", app, "--yes"], root).code).toBe(0);
    const served = await startServe(app);
    const page = await browser.newPage();
    try {
      const own = `${HOST}:${new URL(served.url).port}`;
      const seen = await watch(page, own);
      await page.goto(`http://${own}/docs`);
      const paths = page.locator(".opblock-summary-path");
      await paths.first().waitFor({ timeout: 20_000 });
      expect((await paths.allTextContents()).map((text) => text.replace(/\u200b/g, ""))).toContain("/api/hello");
      await page.waitForLoadState("networkidle");
      expect(seen.outside).toEqual([]);
    } finally {
      await page.close();
      served.child.kill("SIGTERM");
      await served.exited;
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
