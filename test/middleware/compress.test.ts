/**
 * compress() through a real server: every request on a new connection with a raw
 * Accept-Encoding header (fetch would negotiate and decode by itself), bodies decoded here and
 * compared byte for byte with what the route made.
 */
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import zlib from "node:zlib";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compress } from "../../runtime/middleware/compress.js";
import { clearCache, closeResponseCaches, responseCache } from "../../runtime/middleware/response-cache.js";
import { negotiateEncoding } from "../../runtime/http/accept-encoding.js";
import { startApp } from "../support/http.js";
import { sendDecoded } from "../support/encoded-request.js";
import { useChromium } from "../support/chromium.js";

const send = sendDecoded;

/** A page well over the 1 KiB threshold, with enough variety to be realistic. */
function page(title: string, rows = 200): string {
  let body = "";
  for (let i = 0; i < rows; i++) body += `<tr><td>${i}</td><td>${title} item ${i * 7919 % 1000}</td></tr>\n`;
  return `<!doctype html><html><head><title>${title}</title></head><body><table>${body}</table></body></html>`;
}

const BIG_JSON = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["a", "b", String(i % 7)] })) };

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});
afterAll(async () => {
  await closeResponseCaches();
});

async function serve(setup: Parameters<typeof startApp>[0]): Promise<string> {
  const server = await startApp(setup);
  close = server.close;
  return server.url;
}

describe("Accept-Encoding negotiation", () => {
  const offered = ["br", "gzip"];
  it("prefers br, then gzip, as the client's q-values allow", () => {
    expect(negotiateEncoding("gzip, deflate, br", offered)).toEqual({ coding: "br", identityAcceptable: true });
    expect(negotiateEncoding("gzip, deflate", offered).coding).toBe("gzip");
    expect(negotiateEncoding("x-gzip", offered).coding).toBe("gzip");
    expect(negotiateEncoding("br;q=0.5, gzip;q=1.0", offered).coding).toBe("gzip");
    expect(negotiateEncoding("br;q=0, gzip", offered).coding).toBe("gzip");
    expect(negotiateEncoding("BR;Q=0.8, gzip;q=0.8", offered).coding).toBe("br");
    expect(negotiateEncoding("*", offered).coding).toBe("br");
    expect(negotiateEncoding("*;q=0.2, br;q=0", offered).coding).toBe("gzip");
  });
  it("sends identity when asked, or when nothing offered is acceptable", () => {
    expect(negotiateEncoding(undefined, offered)).toEqual({ coding: null, identityAcceptable: true });
    expect(negotiateEncoding("", offered).coding).toBeNull();
    expect(negotiateEncoding("deflate, zstd", offered).coding).toBeNull();
    expect(negotiateEncoding("identity", offered).coding).toBeNull();
    expect(negotiateEncoding("gzip;q=0.5, identity", offered).coding).toBeNull();
    expect(negotiateEncoding("gzip;q=0.5x", offered).coding).toBeNull(); // a malformed q is 0
  });
  it("knows when identity is refused", () => {
    expect(negotiateEncoding("gzip, identity;q=0", offered)).toEqual({ coding: "gzip", identityAcceptable: false });
    expect(negotiateEncoding("br, *;q=0", offered)).toEqual({ coding: "br", identityAcceptable: false });
    expect(negotiateEncoding("br, identity;q=0.1, *;q=0", offered).identityAcceptable).toBe(true);
  });
});

describe("compress()", () => {
  it("sends br (or gzip) with Vary and a Content-Length of the encoded bytes; the bytes decode to the page", async () => {
    const html = page("br");
    const url = await serve((app) => {
      app.use(compress());
      app.get("/page", (_req, res) => res.html(html));
      app.get("/data", () => BIG_JSON);
    });
    const br = await send(`${url}/page`, { "accept-encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(Number(br.headers["content-length"])).toBe(br.raw.length);
    expect(br.raw.length).toBeLessThan(Buffer.byteLength(html) / 3);
    expect(br.body).toBe(html);
    expect(br.headers["x-request-id"]).toBeTruthy();

    const gzip = await send(`${url}/data`, { "accept-encoding": "gzip;q=1, br;q=0.5" });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(gzip.body)).toEqual(BIG_JSON);
  });

  it("adds Vary: Accept-Encoding to identity answers too, merged with the route's own Vary", async () => {
    const html = page("vary");
    const url = await serve((app) => {
      app.use(compress());
      app.get("/page", (_req, res) => res.header("vary", "Origin").html(html));
      app.get("/star", (_req, res) => res.header("vary", "*").html(html));
    });
    const plain = await send(`${url}/page`);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(html);
    // a shared cache must not hand this identity copy to a br client, nor a br copy to this one
    expect(plain.headers.vary).toBe("Origin, Accept-Encoding");
    const br = await send(`${url}/page`, { "accept-encoding": "br" });
    expect(br.headers.vary).toBe("Origin, Accept-Encoding");
    expect((await send(`${url}/star`, { "accept-encoding": "br" })).headers.vary).toBe("*");
  });

  it("leaves small bodies alone, unless the client refused identity (identity;q=0)", async () => {
    const url = await serve((app) => {
      app.use(compress({ threshold: 2048 }));
      app.get("/small", () => ({ hello: "world".repeat(100) })); // ~520 bytes
    });
    const small = await send(`${url}/small`, { "accept-encoding": "br, gzip" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(small.body).hello).toHaveLength(500);
    const refused = await send(`${url}/small`, { "accept-encoding": "gzip, identity;q=0" });
    expect(refused.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(refused.body).hello).toHaveLength(500);
  });

  it("starts at 1 KiB by default", async () => {
    const url = await serve((app) => {
      app.use(compress());
      app.get("/text/{size:int}", (req, res) => res.text("x".repeat(req.params.size as number)));
    });
    const under = await send(`${url}/text/1023`, { "accept-encoding": "gzip" });
    expect(under.headers["content-encoding"]).toBeUndefined();
    expect(under.raw.length).toBe(1023);
    const at = await send(`${url}/text/1024`, { "accept-encoding": "gzip" });
    expect(at.headers["content-encoding"]).toBe("gzip");
    expect(at.body).toBe("x".repeat(1024));
  });

  it("leaves a handler that writes res.raw itself as it wrote it", async () => {
    const html = page("raw");
    const url = await serve((app) => {
      app.use(compress());
      app.get("/raw", (_req, res) => {
        res.raw.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.raw.end(html);
      });
    });
    const reply = await send(`${url}/raw`, { "accept-encoding": "br, gzip" });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(reply.raw.toString("utf8")).toBe(html);
  });

  it("respects Cache-Control: no-transform", async () => {
    const html = page("no-transform");
    const url = await serve((app) => {
      app.use(compress());
      app.get("/exact", (_req, res) => res.header("cache-control", "public, No-Transform").html(html));
    });
    const reply = await send(`${url}/exact`, { "accept-encoding": "br, gzip" });
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(reply.raw.toString("utf8")).toBe(html);
    expect(reply.headers.vary).toBeUndefined();
  });

  it("skips types that do not shrink, bodies already encoded, HEAD, 204 and 304", async () => {
    const png = Buffer.alloc(8000, 7);
    const pre = zlib.gzipSync(Buffer.from(page("pre")));
    const url = await serve((app) => {
      app.use(compress());
      app.get("/image", (_req, res) => res.send(png, 200, "image/png"));
      app.get("/woff2", (_req, res) => res.send(png, 200, "font/woff2"));
      app.get("/pre", (_req, res) => res.header("content-encoding", "gzip").send(pre, 200, "text/html"));
      app.get("/page", (_req, res) => res.html(page("head")));
      app.get("/empty", (_req, res) => res.status(204));
      app.get("/not-modified", (_req, res) => res.header("etag", '"x"').status(304));
      app.get("/ranged", (req, res) => {
        const text = page("ranged");
        res.header("accept-ranges", "bytes");
        if (req.headers.range === undefined) return res.text(text);
        res.status(206).header("content-range", `bytes 0-1999/${text.length}`).text(text.slice(0, 2000));
      });
    });
    const ae = { "accept-encoding": "br, gzip" };
    for (const path of ["/image", "/woff2"]) {
      const reply = await send(`${url}${path}`, ae);
      expect(reply.headers["content-encoding"], path).toBeUndefined();
      expect(reply.raw.equals(png), path).toBe(true);
    }
    const already = await send(`${url}/pre`, ae);
    expect(already.headers["content-encoding"]).toBe("gzip");
    expect(already.raw.equals(pre)).toBe(true); // not encoded twice
    const head = await send(`${url}/page`, ae, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-encoding"]).toBeUndefined();
    expect(head.headers.vary).toBe("Accept-Encoding"); // as the GET says
    expect((await send(`${url}/empty`, ae)).headers["content-encoding"]).toBeUndefined();
    // a byte range names identity bytes: sent as it is; a whole encoded body no longer offers ranges
    const slice = await send(`${url}/ranged`, { ...ae, range: "bytes=0-1999" });
    expect(slice.status).toBe(206);
    expect(slice.headers["content-encoding"]).toBeUndefined();
    expect(slice.raw.toString("utf8")).toBe(page("ranged").slice(0, 2000));
    const whole = await send(`${url}/ranged`, ae);
    expect(whole.headers["content-encoding"]).toBe("br");
    expect(whole.headers["accept-ranges"]).toBeUndefined();
    expect((await send(`${url}/ranged`)).headers["accept-ranges"]).toBe("bytes");
    const notModified = await send(`${url}/not-modified`, ae);
    expect(notModified.status).toBe(304);
    expect(notModified.headers["content-encoding"]).toBeUndefined();
  });

  it("turns a strong ETag weak on an encoded body (RFC 9110 8.8.3), and keeps it on identity", async () => {
    const url = await serve((app) => {
      app.use(compress());
      app.get("/tagged", (_req, res) => res.header("etag", '"v1"').html(page("etag")));
    });
    expect((await send(`${url}/tagged`, { "accept-encoding": "br" })).headers.etag).toBe('W/"v1"');
    expect((await send(`${url}/tagged`)).headers.etag).toBe('"v1"');
  });

  it("compresses error responses as well, but not one that names a byte range (416)", async () => {
    const url = await serve((app) => {
      app.use(compress({ threshold: 0 }));
      app.get("/boom", () => {
        throw new Error("boom");
      });
      app.get("/range", (_req, res) => res.status(416).header("content-range", "bytes */100").json({ error: "Range Not Satisfiable" }));
    });
    const reply = await send(`${url}/boom`, { "accept-encoding": "gzip" });
    expect(reply.status).toBe(500);
    expect(reply.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(reply.body)).toMatchObject({ error: "Internal Server Error" });
    const range = await send(`${url}/range`, { "accept-encoding": "gzip" });
    expect(range.status).toBe(416);
    expect(range.headers["content-encoding"]).toBeUndefined();
    expect(range.headers["content-range"]).toBe("bytes */100");
  });

  it("encodes large bodies off the event loop, with the same bytes back", async () => {
    const big = page("large", 6000); // ~250 KiB: past the synchronous limit
    const url = await serve((app) => {
      app.use(compress());
      app.get("/large", (_req, res) => res.html(big));
    });
    const [br, gzip] = await Promise.all([send(`${url}/large`, { "accept-encoding": "br" }), send(`${url}/large`, { "accept-encoding": "gzip" })]);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.body).toBe(big);
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.body).toBe(big);
  });

  it("refuses options out of range with T4_ERR_COMPRESS_OPTIONS", () => {
    expect(() => compress({ threshold: -1 })).toThrow(expect.objectContaining({ code: "T4_ERR_COMPRESS_OPTIONS" }));
    expect(() => compress({ brotliQuality: 12 })).toThrow(/brotliQuality/);
    expect(() => compress({ gzipLevel: 0 })).toThrow(/gzipLevel/);
    expect(() => compress({ encodings: ["deflate" as "gzip"] })).toThrow(/encodings/);
  });
});

interface OpenStream {
  headers: Record<string, string | string[] | undefined>;
  /** The first decoded chunk. */
  first: Promise<string>;
  /** Resolves once the decoded text so far contains `text`. */
  received(text: string): Promise<string>;
  close(): void;
}

/** Reads a streamed response as it arrives, decoding it as its Content-Encoding says. */
function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const encoding = res.headers["content-encoding"];
      const decoded = encoding === "br" ? res.pipe(zlib.createBrotliDecompress()) : encoding === "gzip" ? res.pipe(zlib.createGunzip()) : res;
      decoded.on("error", () => undefined); // cut by close()
      let text = "";
      decoded.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      const first = new Promise<string>((done) => decoded.once("data", (chunk: Buffer) => done(chunk.toString("utf8"))));
      const received = (wanted: string) =>
        new Promise<string>((done) => {
          const check = () => {
            if (!text.includes(wanted)) return;
            decoded.off("data", check);
            done(text);
          };
          decoded.on("data", check);
          check();
        });
      resolve({ headers: res.headers, first, received, close: () => req.destroy() });
    });
    req.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
    });
    req.end();
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);
}

describe("compress() and streams", () => {
  it("never encodes an event stream: each event arrives at once (res.sse())", async () => {
    const url = await serve((app) => {
      app.use(compress());
      app.get("/events", (_req, res) => {
        const stream = res.sse({ heartbeat: 0 });
        setTimeout(() => stream.send({ n: 1 }, { event: "tick" }), 50);
      });
    });
    const stream = await openStream(`${url}/events`, { "accept-encoding": "gzip, deflate, br", accept: "text/event-stream" });
    try {
      expect(stream.headers["content-encoding"]).toBeUndefined();
      expect(await within(stream.received("event: tick"), 1500, "SSE event")).toContain('data: {"n":1}');
    } finally {
      stream.close();
    }
  });

  it("leaves a text/event-stream made by hand (no no-transform) unencoded", async () => {
    const url = await serve((app) => {
      app.use(compress());
      app.get("/feed", (_req, res) => {
        const body = new PassThrough();
        res.stream(body, "text/event-stream");
        body.write("data: first\n\n");
      });
    });
    const stream = await openStream(`${url}/feed`, { "accept-encoding": "br, gzip" });
    try {
      expect(stream.headers["content-encoding"]).toBeUndefined();
      expect(await within(stream.first, 1500, "event")).toBe("data: first\n\n");
    } finally {
      stream.close();
    }
  });

  it("encodes other streams chunk by chunk: the first chunk decodes before the stream ends", async () => {
    const url = await serve((app) => {
      app.use(compress());
      app.get("/log", (_req, res) => {
        const body = new PassThrough();
        res.stream(body, "text/plain; charset=utf-8");
        body.write("line 1\n");
        // the stream stays open: the client must not wait for its end
      });
    });
    for (const coding of ["br", "gzip"]) {
      const stream = await openStream(`${url}/log`, { "accept-encoding": coding });
      try {
        expect(stream.headers["content-encoding"]).toBe(coding);
        expect(await within(stream.first, 1500, `${coding} chunk`)).toBe("line 1\n");
      } finally {
        stream.close();
      }
    }
  });
});

describe("compress() and static files", () => {
  const dir = mkdtempSync(join(tmpdir(), "t4-compress-"));
  const css = `body { color: #333; }\n`.repeat(200);
  writeFileSync(join(dir, "app.css"), css);
  writeFileSync(join(dir, "site.css"), css);
  // a precompressed sibling made by a build step: served as it is, no CPU per request
  const prebuilt = zlib.brotliCompressSync(Buffer.from(css));
  writeFileSync(join(dir, "site.css.br"), prebuilt);
  // an older sibling than its file is stale: never served
  writeFileSync(join(dir, "old.css"), css);
  writeFileSync(join(dir, "old.css.gz"), zlib.gzipSync(Buffer.from("stale")));
  utimesSync(join(dir, "old.css.gz"), new Date(2000, 1, 1), new Date(2000, 1, 1));

  // past the 1 MiB kept in memory: encoded as it is read
  const big = `.rule-x { margin: 0; }\n`.repeat(60_000);
  writeFileSync(join(dir, "big.css"), big);

  it("encodes a public file once per coding and version, serves a fresh precompressed sibling, ignores a stale one", async () => {
    const sentBodies: unknown[] = [];
    const server = await startApp((app) => {
      app.use(compress());
      app.addHook("onSend", (req, _res, payload) => {
        if (req.path === "/app.css" && payload.kind === "data") sentBodies.push(payload.data);
      });
    }, { publicDir: dir });
    close = server.close;
    const live = await send(`${server.url}/app.css`, { "accept-encoding": "gzip" });
    expect(live.headers["content-encoding"]).toBe("gzip");
    expect(Number(live.headers["content-length"])).toBe(live.raw.length);
    expect(live.headers.etag).toMatch(/^W\//);
    expect(live.body).toBe(css);
    // the second request sends the copy made for the first
    expect((await send(`${server.url}/app.css`, { "accept-encoding": "gzip" })).body).toBe(css);
    expect(sentBodies).toHaveLength(2);
    expect(sentBodies[1]).toBe(sentBodies[0]);
    // the file's validator answers 304 whatever the encoding (weak comparison)
    const revalidated = await send(`${server.url}/app.css`, { "accept-encoding": "br", "if-none-match": String(live.headers.etag) });
    expect(revalidated.status).toBe(304);
    // a new version of the file is encoded anew
    const edited = css.replace("#333", "#444");
    writeFileSync(join(dir, "app.css"), edited);
    utimesSync(join(dir, "app.css"), new Date(), new Date(Date.now() + 5000));
    expect((await send(`${server.url}/app.css`, { "accept-encoding": "gzip" })).body).toBe(edited);

    const streamed = await send(`${server.url}/big.css`, { "accept-encoding": "br" });
    expect(streamed.headers["content-encoding"]).toBe("br");
    expect(streamed.headers["content-length"]).toBeUndefined(); // chunked: the length is not known ahead
    expect(streamed.body).toBe(big);

    const sibling = await send(`${server.url}/site.css`, { "accept-encoding": "br" });
    expect(sibling.headers["content-encoding"]).toBe("br");
    expect(sibling.raw.equals(prebuilt)).toBe(true);
    expect(Number(sibling.headers["content-length"])).toBe(prebuilt.length);
    expect(sibling.headers["content-type"]).toBe("text/css; charset=utf-8");

    const stale = await send(`${server.url}/old.css`, { "accept-encoding": "gzip" });
    expect(stale.headers["content-encoding"]).toBe("gzip");
    expect(stale.body).toBe(css);

  });
});

describe("compress() with responseCache()", () => {
  const orders = {
    "compress() outside responseCache()": (path: string) => [compress(), responseCache({ ttl: 60 })] as const,
    "responseCache() outside compress()": (path: string) => [responseCache({ ttl: 60 }), compress()] as const,
  };
  for (const [name, chain] of Object.entries(orders)) {
    it(`${name}: the cache keeps the identity body, and no client gets an encoding it did not ask for`, async () => {
      await clearCache();
      const html = page(name);
      let runs = 0;
      const sentBodies: unknown[] = [];
      const url = await serve((app) => {
        app.get("/cached", (_req, res) => {
          runs++;
          res.html(html);
        }, [...chain("/cached")]);
        // app onSend hooks run after the response's own: they see the bytes about to be sent
        app.addHook("onSend", (_req, res, payload) => {
          if (res.headers["x-cache"] === "HIT" && res.headers["content-encoding"] === "gzip" && payload.kind === "data") sentBodies.push(payload.data);
        });
      });
      // a br client first: the MISS is sent as br
      const miss = await send(`${url}/cached`, { "accept-encoding": "gzip, deflate, br" });
      expect(miss.headers["x-cache"]).toBe("MISS");
      expect(miss.headers["content-encoding"]).toBe("br");
      expect(miss.body).toBe(html);
      await new Promise((resolve) => setTimeout(resolve, 50)); // stored once the response finished
      // a client that asked for no coding gets plain bytes from the cache
      const plain = await send(`${url}/cached`);
      expect(plain.headers["x-cache"]).toBe("HIT");
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.raw.toString("utf8")).toBe(html);
      // so does one that refuses every coding
      const identity = await send(`${url}/cached`, { "accept-encoding": "identity" });
      expect(identity.headers["content-encoding"]).toBeUndefined();
      expect(identity.raw.toString("utf8")).toBe(html);
      // and a gzip client gets gzip or identity, never br, and the right bytes
      const gzip = await send(`${url}/cached`, { "accept-encoding": "gzip" });
      expect(gzip.headers["x-cache"]).toBe("HIT");
      expect([undefined, "gzip"]).toContain(gzip.headers["content-encoding"]);
      expect(gzip.body).toBe(html);
      expect(runs).toBe(1);
      if (name.startsWith("compress()")) {
        // compress() outside: hits are compressed too, once per coding (the same bytes each time)
        expect(gzip.headers["content-encoding"]).toBe("gzip");
        expect(gzip.headers.vary).toBe("Accept-Encoding");
        const again = await send(`${url}/cached`, { "accept-encoding": "gzip" });
        expect(again.body).toBe(html);
        expect(sentBodies).toHaveLength(2);
        expect(sentBodies[1]).toBe(sentBodies[0]);
      }
    });
  }
});

describe("compress() in Chromium", () => {
  const chromium = useChromium();

  it("a compressed page renders; an EventSource through compress() gets its event at once; a WebSocket still upgrades", async (ctx) => {
    const context = await chromium.context(ctx);
    const rows = page("chromium");
    const url = await serve((app) => {
      app.use(compress());
      app.get("/", (_req, res) =>
        res.html(`<!doctype html><html><body><p id="status">waiting</p>${rows}<script>
          const started = performance.now();
          const events = new EventSource("/events");
          events.addEventListener("hello", (e) => {
            document.getElementById("status").textContent = e.data + " after " + Math.round(performance.now() - started) + " ms";
          });
          const socket = new WebSocket(location.origin.replace("http", "ws") + "/echo");
          socket.onopen = () => socket.send("ping");
          socket.onmessage = (e) => { window.echoed = e.data; };
        </script></body></html>`),
      );
      app.websocket("/echo", { message: (socket, data) => socket.send(`echo ${String(data)}`) });
      app.get("/events", (_req, res) => {
        const stream = res.sse({ heartbeat: 0 });
        setTimeout(() => stream.send("hi", { event: "hello" }), 100);
      });
    });
    const pageInBrowser = await context.newPage();
    const response = await pageInBrowser.goto(url);
    // Chromium asks "gzip, deflate, br, zstd" (loopback counts as a secure origin for br)
    expect(await response!.headerValue("content-encoding")).toBe("br");
    expect(await pageInBrowser.locator("tr").count()).toBe(200);
    await pageInBrowser.waitForFunction('document.getElementById("status").textContent.startsWith("hi")', undefined, { timeout: 3000 });
    const status = await pageInBrowser.locator("#status").textContent();
    expect(Number(/after (\d+) ms/.exec(status!)![1])).toBeLessThan(2000);
    await pageInBrowser.waitForFunction("window.echoed === 'echo ping'", undefined, { timeout: 3000 });
  });
});
