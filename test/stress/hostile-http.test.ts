/**
 * Thousands of generated hostile requests against a live production-mode server in its own
 * process: every one gets a 4xx or a correct answer, no 5xx except the route that throws on
 * purpose, no stack trace ever leaks, the server survives, and its heap returns to baseline.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { join } from "node:path";
import { stressLog } from "./support/log.js";
import { forkServer, rng, type ForkedServer } from "./support/forked-server.js";

let server: ForkedServer;
let port: number;

beforeAll(async () => {
  server = await forkServer(join(import.meta.dirname, "..", "support", "fuzz-server.mjs"), {
    TINA4_HEADERS_TIMEOUT: "2", TINA4_REQUEST_TIMEOUT: "4", TINA4_LOG_LEVEL: "silent",
  });
  port = server.port;
});
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.log(`server stderr so far:\n${server.stderr().trimEnd() || "(nothing)"}`));
});
afterAll(async () => {
  if (server.stderr()) stressLog(`[hostile-http] server stderr:\n${server.stderr()}`);
  await server.stop();
});

interface Reply {
  status: number | null;
  text: string;
}

/** Sends raw bytes (optionally half-closing) and reads the first response, if any. */
function send(payload: Buffer, end = false, timeoutMs = 6000): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : null, text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      if (head < 0) return;
      const length = /content-length: (\d+)/i.exec(text.slice(0, head));
      if (length && text.length >= head + 4 + Number(length[1])) finish();
      if (/^HTTP\/1\.[01] (204|304)/.test(text)) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", finish);
    socket.write(payload, () => {
      if (end) socket.end();
    });
  });
}

const TRAVERSALS = ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt",
  "/%2e%2e%5csecret.txt", "/.%2e/secret.txt", "/files/../../secret.txt", "/index.html%00.txt", "/%00", "/..%c0%afsecret.txt", "/%252e%252e/secret.txt"];

function request(method: string, path: string, headers: string[], body: Buffer = Buffer.alloc(0)): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers.map((h) => h + "\r\n").join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

function generate(random: () => number): { payload: Buffer; end: boolean; kind: string } {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const kind = pick(["garbage-line", "bad-method", "traversal", "percent", "huge-header", "bad-header", "json-bomb", "bad-json", "wrong-type", "multipart", "form", "smuggle", "long-path", "query"] as const);
  switch (kind) {
    case "garbage-line":
      return { kind, end: true, payload: Buffer.concat([bytes(1 + Math.floor(random() * 200)), Buffer.from("\r\n\r\n")]) };
    case "bad-method":
      return { kind, end: false, payload: request(pick(["BREW", "G\u0000ET", "PROPFIND", "CONNECT", "TRACE", "GE T", "😀"]), "/echo", []) };
    case "traversal":
      return { kind, end: false, payload: request(pick(["GET", "HEAD"]), pick(TRAVERSALS), []) };
    case "percent": {
      const junk = Array.from({ length: 1 + Math.floor(random() * 4) }, () => "%" + pick(["", "Z", "GG", "C3", "FF", "E0%A4", "ED%A0%80", "C0%80", "0"])).join("");
      return { kind, end: false, payload: request("GET", pick(["/users/", "/files/a/", "/", "/q?x="]) + junk, []) };
    }
    case "huge-header":
      return { kind, end: false, payload: request("GET", "/", [`X-Big: ${"a".repeat(17_000 + Math.floor(random() * 60_000))}`]) };
    case "bad-header":
      return { kind, end: false, payload: request("GET", "/", [pick(["X-Bad\u0000: 1", "Bad Header: x", "X-Ctl: a\u0001b", ": novalue", "X-Uni: \u00ff\u00fe", "Content-Length: -1", "Content-Length: abc", "Transfer-Encoding: gzip"])]) };
    case "json-bomb": {
      const depth = 200 + Math.floor(random() * 20_000);
      const body = Buffer.from("[".repeat(depth) + "]".repeat(depth));
      if (body.length > 60_000) return { kind, end: false, payload: request("POST", "/echo", ["Content-Type: application/json", `Content-Length: ${body.length}`], body) };
      return { kind, end: false, payload: request("POST", "/echo", ["Content-Type: application/json", `Content-Length: ${body.length}`], body) };
    }
    case "bad-json": {
      const body = Buffer.concat([Buffer.from('{"a":'), bytes(Math.floor(random() * 50))]);
      return { kind, end: false, payload: request(pick(["POST", "PUT"]), "/echo", ["Content-Type: application/json", `Content-Length: ${body.length}`], body) };
    }
    case "wrong-type": {
      const body = bytes(Math.floor(random() * 300));
      return { kind, end: false, payload: request("POST", "/echo", [`Content-Type: ${pick(["text/plain", "application/x-www-form-urlencoded", "application/xml", "image/png", "multipart/form-data", "application/json; charset=utf-16"])}`, `Content-Length: ${body.length}`], body) };
    }
    case "multipart": {
      const boundary = "b" + Math.floor(random() * 1e6);
      const full = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n${"x".repeat(Math.floor(random() * 500))}\r\n--${boundary}--\r\n`);
      const cut = full.subarray(0, Math.floor(random() * full.length));
      return { kind, end: true, payload: request("POST", "/echo", [`Content-Type: multipart/form-data; boundary=${boundary}`, `Content-Length: ${cut.length}`], cut) };
    }
    case "form": {
      const body = Buffer.from(pick(["a=%ZZ", "a=%E0%A4%A", "%%%=1", "a=1&a=2&b", "=" + "x".repeat(1000)]));
      return { kind, end: false, payload: request("POST", "/echo", ["Content-Type: application/x-www-form-urlencoded", `Content-Length: ${body.length}`], body) };
    }
    case "smuggle":
      return { kind, end: true, payload: request("POST", "/echo", ["Content-Length: 5", "Transfer-Encoding: chunked"], Buffer.from("0\r\n\r\nGET /boom HTTP/1.1\r\n\r\n")) };
    case "long-path":
      return { kind, end: false, payload: request("GET", "/" + "a/".repeat(1000 + Math.floor(random() * 6000)), []) };
    case "query":
      return { kind, end: false, payload: request("GET", "/q?" + Array.from({ length: 200 }, (_, i) => `k${i}=${pick(["v", "%41", "%zz", "+", "&&"])}`).join("&"), []) };
  }
}

describe("hostile HTTP input", () => {
  it("thousands of generated hostile requests: 4xx or a correct answer, never a crash or a leak", async () => {
    const warm = await send(request("GET", "/users/1", []));
    expect(warm.status).toBe(200);
    const baseline = await server.ask<{ heapUsed: number }>("mem");
    const random = rng(20261125);
    const kinds = new Map<string, number>();
    const bad: string[] = [];
    const total = 2500;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const { payload, end, kind } = generate(random);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const reply = await send(payload, end);
        const ok = reply.status === null ? kind === "garbage-line" || kind === "multipart" || kind === "smuggle" : reply.status < 500;
        if (!ok) bad.push(`${kind}: ${reply.status} ${payload.subarray(0, 80).toString("latin1")}`);
        if (/\n\s+at |internal detail|TOP SECRET/.test(reply.text)) bad.push(`${kind}: leaked ${reply.text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(bad.slice(0, 10)).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(14);

    // the server still answers normally and never leaks the stack of its own errors
    expect((await send(request("GET", "/users/42", []))).text).toContain('{"id":42}');
    const boom = await send(request("GET", "/boom", []));
    expect(boom.status).toBe(500);
    expect(boom.text).not.toMatch(/internal detail|\n\s+at /);

    const after = await server.ask<{ heapUsed: number }>("mem");
    expect(after.heapUsed).toBeLessThan(baseline.heapUsed * 1.5 + 4 * 1024 * 1024);
  }, 120_000);

  it("slow clients (slowloris) are cut off by the headers timeout", async () => {
    const sockets = Array.from({ length: 20 }, () => connect(port, "127.0.0.1"));
    const closedAt: number[] = [];
    const started = Date.now();
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => {
      socket.on("connect", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n"));
      socket.resume(); // read the 408 so the close is noticed
      const drip = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 300);
      socket.on("close", () => {
        clearInterval(drip);
        closedAt.push(Date.now() - started);
        resolve();
      });
      socket.on("error", () => undefined);
      setTimeout(() => socket.destroy(), 15_000); // bound the test
    })));
    expect(Math.max(...closedAt)).toBeLessThan(8000);
    expect((await send(request("GET", "/users/7", []))).status).toBe(200);
  }, 30_000);
});
