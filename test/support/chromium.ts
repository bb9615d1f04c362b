import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, type TestContext } from "vitest";
import { servicesRequired } from "./services.js";
import { baseTmpdir } from "./temp-root.js";

/** Debian's headless Chromium (apt package `chromium`, installed by .ci/services.sh). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

const MISSING = `${CHROMIUM_PATH} is missing: browser tests are skipped (apt-get install chromium)`;

/**
 * Launches headless Chromium, or returns null after printing why when it is missing locally.
 * Under TINA4_TEST_SERVICES=required (CI) a missing browser is an error, never a skip.
 * `extraArgs`: more command-line switches (e.g. `--host-resolver-rules=MAP name 127.0.0.1`).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser | null> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (servicesRequired()) throw new Error(`${CHROMIUM_PATH} is missing but TINA4_TEST_SERVICES=required (install the apt package chromium)`);
    console.warn(`[skip] ${MISSING}`);
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
    // not the test file's own (deeper) TMPDIR: Chromium aborts when its socket path is too long;
    // it removes its folder there when it closes
    env: { ...process.env, TMPDIR: baseTmpdir() },
  });
}

export interface SharedChromium {
  /** Null when Chromium is missing locally. */
  readonly browser: Browser | null;
  /** The browser, or skips the calling test (saying why) when Chromium is missing locally. */
  require(test: TestContext): Browser;
  /** A fresh browser context (its own cookies) for this test, closed when the test ends; skips like require(). */
  context(test: TestContext): Promise<BrowserContext>;
}

/**
 * One Chromium for the tests of the calling file: launched before them, closed after them (after
 * the file's own afterAll hooks when called at the top of the file, before registering them).
 */
export function useChromium(options: { args?: readonly string[] } = {}): SharedChromium {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launchChromium(options.args);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  const shared: SharedChromium = {
    get browser() {
      return browser;
    },
    require(test) {
      // null only locally: launchChromium() threw under TINA4_TEST_SERVICES=required
      return browser ?? test.skip(MISSING);
    },
    async context(test) {
      const context = await shared.require(test).newContext();
      test.onTestFinished(() => context.close());
      return context;
    },
  };
  return shared;
}
