import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
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
