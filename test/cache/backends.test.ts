/** The conformance suite on every backend with a server on this machine. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { createCache } from "../../runtime/cache/index.js";
import { serviceUrl } from "../support/services.js";
import { conformance } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "tina4-cache-"));
const prefix = `t4test${process.pid}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

conformance({ backend: "memory", open: (namespace) => createCache({ backend: "memory", namespace }) });
conformance({ backend: "file", open: (namespace) => createCache({ backend: "file", dir, namespace }) });

const servers = [
  ["redis", serviceUrl("REDIS")],
  ["valkey", serviceUrl("VALKEY")],
  ["memcached", serviceUrl("MEMCACHED")],
] as const;
for (const [backend, url] of servers) {
  if (!url) {
    // Skipped only locally when this server's URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
    describe.skip(`cache conformance: ${backend} (no server URL)`, () => it("skipped", () => undefined));
    continue;
  }
  conformance({
    backend,
    countsSize: backend !== "memcached",
    open: (namespace) => createCache({ backend, url, namespace, prefix, dir }),
  });
}

const mongoUrl = process.env.TINA4_TEST_MONGODB_URL;
if (mongoUrl) {
  conformance({ backend: "mongodb", open: (namespace) => createCache({ backend: "mongodb", url: mongoUrl, namespace, dir }) });
} else {
  console.warn("[skip] TINA4_TEST_MONGODB_URL is not set: the mongodb cache backend is not verified against a server here");
  // No MongoDB server can be installed here (not in Debian; no npm package ships one), so this
  // suite runs only where TINA4_TEST_MONGODB_URL points at a real server; docs/cache.md says so.
  describe.skip("cache conformance: mongodb (TINA4_TEST_MONGODB_URL not set; no MongoDB server on this machine)", () => it("skipped", () => undefined));
}
