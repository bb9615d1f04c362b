/**
 * compress() under `tina4 serve` (dev): the live-reload client goes into HTML pages after every
 * other onSend hook, so pages stay uncompressed there (the worker asks compress() for it);
 * everything else is compressed as in production.
 */
import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import zlib from "node:zlib";
import { get, makeApp, serve, type Served } from "./support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

describe("tina4 serve (dev) with compress()", () => {
  it("keeps the live-reload client in HTML pages and compresses JSON", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `<li>row ${i}</li>`).join("");
    const dir = makeApp({
      "src/app.ts": 'import { use, compress } from "tina4";\nuse(compress());\n',
      "src/routes/page/get.ts": `export default () => "<!doctype html><html><body><ul>${rows}</ul></body></html>";\n`,
      "src/routes/data/get.ts": "export default () => ({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'item ' + i })) });\n",
    });
    served = await serve(dir);
    const ae = { "accept-encoding": "gzip, deflate, br" };
    const page = await get(`${served.url}/page`, { headers: ae });
    expect(page.status).toBe(200);
    expect(page.headers["content-encoding"]).toBeUndefined();
    expect(page.body).toContain("data-tina4-live");
    expect(page.body).toContain("<li>row 199</li>");

    const data = await new Promise<{ encoding: string | undefined; json: { items: unknown[] } }>((resolve, reject) => {
      const req = request(`${served!.url}/data`, { headers: ae, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers["content-encoding"];
          resolve({ encoding, json: JSON.parse((encoding === "br" ? zlib.brotliDecompressSync(raw) : raw).toString("utf8")) });
        });
      });
      req.on("error", reject);
      req.end();
    });
    expect(data.encoding).toBe("br");
    expect(data.json.items).toHaveLength(200);
  });
});
