/**
 * Server-backed tests ask here for their server's URL. Locally a missing URL skips the
 * suite with a printed reason; with TINA4_TEST_SERVICES=required (CI) it is a failure.
 * URLs come from the environment (see .ci/services.env, written by .ci/services.sh).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type ServiceName = "POSTGRES" | "POSTGRES2" | "MYSQL" | "FIREBIRD" | "REDIS" | "VALKEY" | "MEMCACHED" | "MONGODB";

const envFile = join(import.meta.dirname, "..", "..", ".ci", "services.env");
const fromFile = new Map<string, string>();
if (existsSync(envFile) && process.env.TINA4_TEST_IGNORE_ENV_FILE !== "1") {
  for (const line of readFileSync(envFile, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fromFile.set(line.slice(0, eq), line.slice(eq + 1));
  }
}

function variable(name: ServiceName): string {
  return name === "POSTGRES2" ? "TINA4_TEST_POSTGRES_URL2" : `TINA4_TEST_${name}_URL`;
}

export function servicesRequired(): boolean {
  return process.env.TINA4_TEST_SERVICES === "required";
}

/**
 * The URL for `name`, or undefined (after printing why) when it is not configured.
 * Throws when services are required, so CI cannot silently skip.
 */
export function serviceUrl(name: ServiceName): string | undefined {
  const key = variable(name);
  const url = process.env[key] ?? fromFile.get(key);
  if (url) return url;
  if (servicesRequired() && name !== "MONGODB") {
    throw new Error(`${key} is not set but TINA4_TEST_SERVICES=required`);
  }
  console.warn(`[skip] ${key} is not set: tests needing ${name.toLowerCase()} are skipped`);
  return undefined;
}

/**
 * For `it.skipIf` / `describe.skipIf` on anything that is not a missing server: prints why the
 * tests are skipped (a skip never goes unexplained) and returns `skip`.
 */
export function skipBecause(skip: boolean, reason: string): boolean {
  if (skip) console.warn(`[skip] ${reason}`);
  return skip;
}

/**
 * For server-backed tests that need something on this machine besides a URL (a server binary,
 * root to run it): true (skip, after printing why) when `available` is false, except under
 * TINA4_TEST_SERVICES=required, where a missing prerequisite is an error, never a skip.
 */
export function skipUnlessAvailable(available: boolean, reason: string): boolean {
  if (available) return false;
  if (servicesRequired()) throw new Error(`${reason}, but TINA4_TEST_SERVICES=required`);
  return skipBecause(true, reason);
}
