import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../support/http.js";
import type { RunningServer } from "../../runtime/http/server.js";
import { injectLiveClient } from "../../cli/dev/live-reload.js";

/** One GET on a new connection; status, headers and the body as text. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

// The dev server's onSend hook (the one `tina4 serve` adds), on an app serving public/ HTML.
describe("dev live-reload client and byte ranges", () => {
  const page = "<!doctype html><html><body><h1>range me</h1></body></html>";
  let server: RunningServer;

  beforeAll(async () => {
    const pub = mkdtempSync(join(tmpdir(), "tina4-live-range-"));
    writeFileSync(join(pub, "page.html"), page);
    server = await startApp((app) => app.addHook("onSend", injectLiveClient), { publicDir: pub, dev: true });
  });
  afterAll(async () => server.close());

  it("adds the client to a whole HTML file but never to a 206, whose bytes must be exactly the range", async () => {
    const whole = await get(server.port, "/page.html");
    expect(whole.body).toContain("data-tina4-live");
    const part = await get(server.port, "/page.html", { range: "bytes=16-30" });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 16-30/${page.length}`);
    expect(part.body).toBe(page.slice(16, 31));
    expect(part.headers["content-length"]).toBe("15");
  });
});
