/** etag(): weak ETags over handler bodies and 304 on If-None-Match, through a real server on new connections. */
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { compress } from "../../runtime/middleware/compress.js";
import { etag, matchesAny } from "../../runtime/middleware/etag.js";
import { startApp } from "../support/http.js";
import { sendDecoded } from "../support/encoded-request.js";

const send = sendDecoded;

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(setup: Parameters<typeof startApp>[0]): Promise<string> {
  const server = await startApp(setup);
  close = server.close;
  return server.url;
}

describe("If-None-Match weak comparison", () => {
  it("matches a listed tag with or without W/, and *", () => {
    expect(matchesAny('"a", W/"b"', 'W/"b"')).toBe(true);
    expect(matchesAny('W/"a"', '"a"')).toBe(true);
    expect(matchesAny("*", 'W/"x"')).toBe(true);
    expect(matchesAny('"a,b"', 'W/"a,b"')).toBe(true);
    expect(matchesAny('"a", "b"', 'W/"c"')).toBe(false);
    expect(matchesAny('"ab"', 'W/"a"')).toBe(false);
  });
});

describe("etag()", () => {
  it("tags a handler's body and answers 304 Not Modified, without content, when If-None-Match names it", async () => {
    let version = 1;
    const url = await serve((app) => {
      app.use(etag());
      app.get("/item", () => ({ id: 1, version }));
    });
    const first = await send(`${url}/item`);
    expect(first.status).toBe(200);
    const tag = String(first.headers.etag);
    expect(tag).toMatch(/^W\/"[0-9a-f]+-[\w-]+"$/);
    expect((await send(`${url}/item`)).headers.etag).toBe(tag); // the same body, the same tag

    const again = await send(`${url}/item`, { "if-none-match": tag });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expect(again.headers.etag).toBe(tag);
    expect(again.headers["content-type"]).toBeUndefined();
    expect((await send(`${url}/item`, { "if-none-match": `"other", ${tag}` })).status).toBe(304);
    expect((await send(`${url}/item`, { "if-none-match": tag }, "HEAD")).status).toBe(304);

    version = 2; // the content changed: a full answer with a new tag
    const changed = await send(`${url}/item`, { "if-none-match": tag });
    expect(changed.status).toBe(200);
    expect(JSON.parse(changed.body)).toEqual({ id: 1, version: 2 });
    expect(changed.headers.etag).not.toBe(tag);
  });

  it("keeps and compares a tag the route set; leaves other methods, errors and streams untagged", async () => {
    const url = await serve((app) => {
      app.use(etag());
      app.get("/own", (_req, res) => res.header("etag", '"v7"').json({ ok: true }));
      app.post("/write", () => ({ ok: true }), { secured: false });
      app.get("/stream", (_req, res) => {
        const body = new PassThrough();
        res.stream(body, "text/plain");
        body.end("streamed");
      });
    });
    expect((await send(`${url}/own`)).headers.etag).toBe('"v7"');
    expect((await send(`${url}/own`, { "if-none-match": 'W/"v7"' })).status).toBe(304);
    expect((await send(`${url}/write`, {}, "POST")).headers.etag).toBeUndefined();
    const missing = await send(`${url}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
    expect((await send(`${url}/stream`)).headers.etag).toBeUndefined();
  });

  for (const [name, chain] of [
    ["etag() outside compress()", () => [etag(), compress()]],
    ["compress() outside etag()", () => [compress(), etag()]],
  ] as const) {
    it(`${name}: one weak tag for every encoding, and a 304 whatever the client now accepts`, async () => {
      const html = `<!doctype html><html><body>${"<p>paragraph</p>".repeat(200)}</body></html>`;
      const url = await serve((app) => {
        app.get("/page", (_req, res) => res.html(html), [...chain()]);
      });
      const br = await send(`${url}/page`, { "accept-encoding": "br" });
      const plain = await send(`${url}/page`);
      expect(br.headers["content-encoding"]).toBe("br");
      expect(br.body).toBe(html);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(br.headers.etag).toBe(plain.headers.etag); // the identity body's tag
      expect(String(br.headers.etag)).toMatch(/^W\//);
      const revalidated = await send(`${url}/page`, { "accept-encoding": "gzip", "if-none-match": String(br.headers.etag) });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers["content-encoding"]).toBeUndefined();
      expect(revalidated.body).toBe("");
      expect(revalidated.headers.vary).toBe("Accept-Encoding"); // as the 200 would say (RFC 9110 15.4.5)
    });
  }
});
