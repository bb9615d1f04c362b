/**
 * launchChromium() under the suite's per-file TMPDIR (test/support/temp-root.ts): Chromium puts
 * its singleton socket in `<TMPDIR>/org.chromium.Chromium.*` and aborts when that path passes the
 * 107 bytes of a Unix socket path, so it must not get a deep TMPDIR (it did, and chat-browser
 * failed under a longer base TMPDIR).
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { launchChromium } from "./chromium.js";

const saved = process.env.TMPDIR;
afterEach(() => {
  process.env.TMPDIR = saved;
});

it("starts and renders a page when the test's TMPDIR is too deep for a socket path", async (test) => {
  const deep = join(tmpdir(), "a-folder-name-long-enough-that-chromium-socket-would-not-fit");
  mkdirSync(deep, { recursive: true });
  expect(join(deep, "org.chromium.Chromium.XXXXXX", "SingletonSocket").length).toBeGreaterThan(107);
  process.env.TMPDIR = deep;
  const browser = await launchChromium();
  if (!browser) return test.skip("Chromium is missing (launchChromium printed why)");
  try {
    const page = await browser.newPage();
    await page.setContent("<p>ok</p>");
    expect(await page.textContent("p")).toBe("ok");
  } finally {
    await browser.close();
  }
});
