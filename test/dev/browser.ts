import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { servicesRequired } from "../support/services.js";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless Debian Chromium (apt package `chromium`, installed by .ci/services.sh), or null
 * after printing why when it is missing locally. Under TINA4_TEST_SERVICES=required (CI) a
 * missing browser is an error, never a skip.
 */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (servicesRequired()) throw new Error(`${CHROMIUM} is missing but TINA4_TEST_SERVICES=required (install the apt package chromium)`);
    console.warn(`[skip] ${CHROMIUM} is missing: browser tests are skipped (apt-get install chromium)`);
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export interface LiveBrowser {
  /** Null when Chromium is missing locally: the test skips. */
  readonly browser: Browser | null;
  /** Opens `url` in a new tab and waits until the injected live-reload client is connected. */
  open(url: string): Promise<Page>;
}

/** Chromium for the tests of the calling file: launched before them, closed after them. */
export function useLiveBrowser(): LiveBrowser {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return browser;
    },
    async open(url) {
      const tab = await browser!.newPage();
      const live = tab.waitForResponse((response) => response.url().endsWith("/__tina4/live"), { timeout: 10_000 });
      await tab.goto(url);
      await live;
      return tab;
    },
  };
}
