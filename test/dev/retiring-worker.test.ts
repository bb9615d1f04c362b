import { afterEach, describe, expect, it } from "vitest";
import { Agent, request, type IncomingMessage } from "node:http";
import { makeApp, serve, writeFile, type Served } from "./support.js";

const route = (version: number) => `export default () => ({ version: ${version} });\n`;

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

interface Answer {
  body: string;
  headers: IncomingMessage["headers"];
  reused: boolean;
}

function send(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ body, headers: res.headers, reused: req.reusedSocket }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end();
  });
}

/** The events on one /__tina4/live stream, and a way to wait for the next one. */
function liveStream(url: string): { next: (name: string) => Promise<void>; close: () => void } {
  const seen: string[] = [];
  let wake = () => undefined as void;
  const req = request(`${url}/__tina4/live`, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      for (const match of chunk.matchAll(/event: (\w+)\n/g)) seen.push(match[1]!);
      wake();
    });
  });
  req.end();
  return {
    next: (name) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${name}" event; got ${seen.join(", ")}`)), 10_000);
        wake = () => {
          const at = seen.indexOf(name);
          if (at >= 0) {
            seen.splice(0, at + 1);
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      }),
    close: () => req.destroy(),
  };
}

/** Issue 12 item 2, without a browser: what a reloading page does on a kept-alive connection. */
describe("tina4 serve (dev): a retiring worker after the reload signal", () => {
  it("answers a request on a kept-alive connection with the new code, then closes that connection", async () => {
    const dir = makeApp({ "src/routes/version/get.ts": route(0) });
    served = await serve(dir);
    const url = `${served.url}/version`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const live = liveStream(served.url);
    try {
      const before = await send(url, agent);
      expect(before.body).toBe('{"version":0}');
      const oldPrefix = String(before.headers["x-request-id"]).split("-")[0];
      await live.next("hello");

      writeFile(dir, "src/routes/version/get.ts", route(1));
      await live.next("reload"); // the old worker told its pages to reload

      const after = await send(url, agent);
      expect(after.reused).toBe(true); // the same connection, to the retiring worker
      expect(after.body).toBe('{"version":1}');
      expect(String(after.headers["x-request-id"]).split("-")[0]).not.toBe(oldPrefix); // answered by the new worker
      expect(after.headers.connection).toBe("close");
    } finally {
      live.close();
      agent.destroy();
    }
  });
});
