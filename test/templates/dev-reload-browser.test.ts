/** Issue 16: a template edit in dev reloads a real browser page, without restarting workers. */
import { afterEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { useLiveBrowser } from "../dev/browser.js";
import { makeApp, serve, writeFile, type Served } from "../dev/support.js";

const LAYOUT = "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head><body><header id=\"site\">Site v0</header>{% block content %}{% endblock %}</body></html>\n";
const page = (text: string) => `{% extends "base.twig" %}\n{% block title %}t{% endblock %}\n{% block content %}<h1 id="title">${text}</h1>{% endblock %}\n`;

const chrome = useLiveBrowser();
let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** Writes a file and waits (≤ 2 s) until `selector` shows `text`, with no navigation by the test. */
async function editAndSee(tab: Page, dir: string, file: string, contents: string, selector: string, text: string): Promise<number> {
  const reconnected = tab.waitForResponse((response) => response.url().endsWith("/__tina4/live"), { timeout: 5_000 });
  const saved = Date.now();
  writeFile(dir, file, contents);
  await tab
    .waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.textContent.includes(${JSON.stringify(text)})`, undefined, { timeout: 2_000 })
    .catch(async (error: Error) => {
      const shown = await tab.textContent("body").catch(() => "?");
      throw new Error(`after editing ${file} the page shows "${shown}" 2 s later (${error.message})\n--- serve output ---\n${served!.output()}`);
    });
  const ms = Date.now() - saved;
  await reconnected; // the reloaded page listens again before the next edit
  return ms;
}

describe("tina4 serve (dev): template edits in headless Chromium", () => {
  it("an edited page or layout shows within 2 s; workers are not restarted; a syntax error shows its line, then recovers", async (ctx) => {
    if (!chrome.browser) return ctx.skip();
    const dir = makeApp({ "src/templates/base.twig": LAYOUT, "src/templates/pages/hello.twig": page("version 0") });
    served = await serve(dir);
    const tab = await chrome.open(`${served.url}/hello`);
    expect(await tab.textContent("#title")).toBe("version 0");
    const from = served.output().length;

    for (let n = 1; n <= 3; n++) {
      const ms = await editAndSee(tab, dir, "src/templates/pages/hello.twig", page(`version ${n}`), "#title", `version ${n}`);
      console.log(`template live reload: edit ${n} visible after ${ms} ms`);
    }
    await editAndSee(tab, dir, "src/templates/base.twig", LAYOUT.replace("Site v0", "Site v1"), "#site", "Site v1");

    await editAndSee(tab, dir, "src/templates/pages/hello.twig", "{% extends \"base.twig\" %}\n{% block content %}{% if %}{% endblock %}\n", "body", "pages/hello.twig:2");
    expect(await tab.textContent("body")).toContain("Template syntax error");
    await editAndSee(tab, dir, "src/templates/pages/hello.twig", page("fixed"), "#title", "fixed");

    const log = served.output().slice(from);
    expect(log).toContain("template changed (src/templates/pages/hello.twig): pages reload");
    expect(log).not.toMatch(/reloaded \(/); // no worker was swapped
  }, 60_000);
});
