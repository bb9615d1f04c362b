import type { Browser, Page } from "playwright-core";
import { useChromium } from "../support/chromium.js";

// Kept for the files that import the launcher from here; new tests use test/support/chromium.ts.
export { CHROMIUM_PATH as CHROMIUM, launchChromium } from "../support/chromium.js";

export interface LiveBrowser {
  /** Null when Chromium is missing locally: the test skips. */
  readonly browser: Browser | null;
  /** Opens `url` in a new tab and waits until the injected live-reload client is connected. */
  open(url: string): Promise<Page>;
}

/** Chromium for the tests of the calling file: launched before them, closed after them. */
export function useLiveBrowser(): LiveBrowser {
  const chrome = useChromium();
  return {
    get browser() {
      return chrome.browser;
    },
    async open(url) {
      const tab = await chrome.browser!.newPage();
      const live = tab.waitForResponse((response) => response.url().endsWith("/__tina4/live"), { timeout: 10_000 });
      await tab.goto(url);
      await live;
      return tab;
    },
  };
}
