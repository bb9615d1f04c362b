/**
 * docs/compression.md's example as a reader builds it: `tina4 init`,
 * the page's src/app.ts and route, `tina4 serve`, then what the page says curl gets — each
 * request on a new connection, bodies decoded here.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import zlib from "node:zlib";
import { repoRoot, runCli, startServe, tempDir } from "../support/cli.js";

/** The ```ts blocks of the page that name their file in a first-line comment. */
function sectionFiles(): Map<string, string> {
  const markdown = readFileSync(join(repoRoot, "docs/compression.md"), "utf8");
  const files = new Map<string, string>();
  for (const [, text] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const path = /^\/\/ (src\/\S+\.ts)\n/.exec(text!);
    if (path) files.set(path[1]!, text!);
  }
  return files;
}

function send(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers["content-encoding"] === "br" ? zlib.brotliDecompressSync(raw) : raw;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const work = tempDir("tina4-compress-example-");
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

describe("docs/compression.md", () => {
  it("answers br with Vary and a weak ETag, 304 on If-None-Match, and br again from the response cache", async () => {
    const app = join(work, "shop");
    const init = runCli(["init", app, "--yes"], work);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    const files = sectionFiles();
    expect([...files.keys()].sort()).toEqual(["src/app.ts", "src/routes/api/products/get.ts"]);
    for (const [path, text] of files) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), text);
    }
    const served = await startServe(app);
    child = served.child;

    const first = await send(`${served.url}/api/products`, { "accept-encoding": "br, gzip" });
    expect(first.status, served.output()).toBe(200);
    expect(first.headers["content-encoding"]).toBe("br");
    expect(first.headers.vary).toBe("Accept-Encoding");
    expect(first.headers["x-cache"]).toBe("MISS");
    const tag = String(first.headers.etag);
    expect(tag).toBe('W/"10d2-CYEoP_GU8eofNtSfVnNPPiX9-40"'); // as the page shows
    expect((JSON.parse(first.body) as { products: unknown[] }).products).toHaveLength(100);

    const revalidated = await send(`${served.url}/api/products`, { "if-none-match": tag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body).toBe("");

    const hit = await send(`${served.url}/api/products`, { "accept-encoding": "br" });
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.headers["content-encoding"]).toBe("br");
    expect(hit.headers.etag).toBe(tag);
    expect(hit.body).toBe(first.body);
  });
});
