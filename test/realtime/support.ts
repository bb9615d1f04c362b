/** WebSocket clients for the realtime tests (the `ws` package's client). */
import { WebSocket, type ClientOptions } from "ws";
import type { App } from "../../runtime/app.js";
import { startApp } from "../support/http.js";

export interface Client {
  ws: WebSocket;
  /** Every message received so far (text as string, binary as Buffer). */
  messages: Array<string | Buffer>;
  /** Resolves with the next message not yet taken by next(). */
  next(timeoutMs?: number): Promise<string | Buffer>;
  /** Resolves once `count` messages have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a socket; rejects with `{ status, body }` when the upgrade is refused. */
export function connect(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const { protocols, ...rest } = options;
    const ws = new WebSocket(url, protocols ?? [], rest);
    const messages: Array<string | Buffer> = [];
    let taken = 0;
    const waiters = new Set<() => void>();
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.once("close", (code, reason) => {
      done({ code, reason: reason.toString() });
      for (const waiter of [...waiters]) waiter();
    }));
    ws.on("message", (data: Buffer, isBinary) => {
      messages.push(isBinary ? data : data.toString());
      for (const waiter of [...waiters]) waiter();
    });
    ws.on("error", () => undefined);
    const waitUntil = (ok: () => boolean, what: string, timeoutMs: number) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (ok()) {
            finish();
            done();
          }
        };
        const timer = setTimeout(() => {
          finish();
          fail(new Error(`${what} within ${timeoutMs} ms (have ${messages.length}: ${JSON.stringify(messages.slice(-3))})`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    const client: Client = {
      ws,
      messages,
      async next(timeoutMs = 3000) {
        await waitUntil(() => messages.length > taken, "no message", timeoutMs);
        return messages[taken++]!;
      },
      waitFor: (count, timeoutMs = 3000) => waitUntil(() => messages.length >= count, `fewer than ${count} messages`, timeoutMs),
      closed,
    };
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() })));
    });
    ws.once("error", (error) => reject(error));
  });
}

/** The HTTP status of a refused upgrade (throws if the upgrade succeeds). */
export async function refusal(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  try {
    const client = await connect(url, options);
    client.ws.close();
  } catch (error) {
    const refused = error as { status?: number; body?: string; headers?: Record<string, unknown> };
    if (refused.status !== undefined) return { status: refused.status, body: refused.body ?? "", headers: refused.headers ?? {} };
    throw error;
  }
  throw new Error(`the upgrade to ${url} was accepted`);
}

export const wsUrl = (httpUrl: string, path: string) => httpUrl.replace(/^http/, "ws") + path;

/** The servers and clients a test opens, so that `cleanup()` (in afterEach) ends them all. */
export function wsFixture() {
  const closers: Array<() => Promise<unknown>> = [];
  const clients: Client[] = [];
  return {
    async serve(setup: (app: App) => void) {
      const server = await startApp(setup);
      closers.push(server.close);
      return server;
    },
    async open(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Client> {
      const client = await connect(url, options);
      clients.push(client);
      return client;
    },
    async cleanup(): Promise<void> {
      for (const client of clients.splice(0)) client.ws.terminate();
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  };
}
