import { App, type AppOptions } from "../../runtime/app.js";
import { listen, type RunningServer } from "../../runtime/http/server.js";
import { request as httpRequest } from "node:http";
import { connect, createServer, type Socket } from "node:net";

/** A loopback port nothing listens on (taken, then released): a server that is down. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts `app` (configured by `setup`) on a free loopback port; call `close()` when done. */
export async function startApp(setup: (app: App) => void, options: AppOptions = {}): Promise<RunningServer & { app: App }> {
  const app = new App({ publicDir: null, dev: false, ...options });
  setup(app);
  const server = await listen(app, { port: 0, host: "127.0.0.1", shutdownTimeout: 5 });
  return Object.assign(server, { app });
}

/** Sends raw bytes and resolves with the raw reply (for requests fetch() refuses to make). */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString("latin1"));
      else reject(error);
    });
    socket.write(payload);
  });
}

/** A request with a path sent verbatim (fetch/URL would normalise `..` and escapes). */
export function verbatim(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A TCP server that accepts and at once drops every connection, counting them: a server that is down, whose probes can be counted. */
export async function countingServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
