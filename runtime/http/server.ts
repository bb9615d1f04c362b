import { createServer, type Server } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import type { App } from "../app.js";
import { setting } from "../config/settings.js";
import { log } from "../log.js";
import { TappableResponse } from "./body-tap.js";

export interface ListenOptions {
  port?: number;
  host?: string;
  /** Seconds to let in-flight requests finish on shutdown (TINA4_SHUTDOWN_TIMEOUT, 30). */
  shutdownTimeout?: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes every socket. */
  close(): Promise<{ drained: boolean }>;
}

const clientErrorBody = (status: number, message: string) => {
  const body = JSON.stringify({ error: message });
  return `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/** Creates the node:http server for `app` with protective timeouts and protocol-error replies. */
export function createHttpServer(app: App): Server {
  const server = createServer(
    {
      maxHeaderSize: setting("TINA4_MAX_HEADER_SIZE"),
      requestTimeout: setting("TINA4_REQUEST_TIMEOUT") * 1000,
      headersTimeout: setting("TINA4_HEADERS_TIMEOUT") * 1000,
      keepAliveTimeout: 5000,
      // How often request/headers timeouts are enforced (Node's default, 30 s, lets slow
      // clients hold sockets far longer than the configured timeouts).
      connectionsCheckingInterval: 1000,
      // so responseCache can see bodies that handlers write to res.raw themselves
      ServerResponse: TappableResponse,
    },
    app.handle,
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const reply =
      error.code === "HPE_HEADER_OVERFLOW" ? clientErrorBody(431, "Request Header Fields Too Large")
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? clientErrorBody(408, "Request Timeout")
      : clientErrorBody(400, "Bad Request");
    socket.end(reply);
  });
  // CONNECT (proxy tunnelling) is not something an app server does: refuse it explicitly
  // instead of letting Node drop the socket without a response.
  server.on("connect", (_req, socket: Socket) => {
    socket.end(clientErrorBody(405, "Method Not Allowed"));
  });
  app.realtime.attach(server); // WebSocket upgrades (runtime/realtime)
  return server;
}

/** Listens on host:port (port 0 → a free port) and returns a handle with graceful close. */
export async function listen(app: App, options: ListenOptions = {}): Promise<RunningServer> {
  const server = createHttpServer(app);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7148, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 0);
  const timeoutSeconds = options.shutdownTimeout ?? setting("TINA4_SHUTDOWN_TIMEOUT");
  let closing: Promise<{ drained: boolean }> | null = null;
  return {
    server,
    port,
    host,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () => (closing ??= shutDown(app, server, timeoutSeconds)),
  };
}

async function shutDown(app: App, server: Server, timeoutSeconds: number): Promise<{ drained: boolean }> {
  app.draining = true;
  // WebSockets and SSE streams close with 1001; their close handlers settle before we return
  const socketsClosed = app.realtime.goingAway(server, timeoutSeconds * 1000);
  const result = await drainServer(server, timeoutSeconds).done;
  if (!result.drained) log.warn(`shutdown timeout (${timeoutSeconds}s) reached; closing remaining connections`);
  await socketsClosed;
  return result;
}

/** A server that is draining (see drainServer). */
export interface Drain {
  /** Settles once the server has closed; `drained` is false when the timeout had to close connections. */
  readonly done: Promise<{ drained: boolean }>;
  /** Stops waiting for idle keep-alive connections: closes them now and each one that becomes idle. */
  closeIdle(): void;
}

/** How often idle keep-alive connections are looked for while draining. */
const SWEEP_MS = 50;

/**
 * Stops `server` accepting and lets in-flight requests finish, for up to `timeoutSeconds`;
 * then every connection left is closed. Idle keep-alive connections close at once and as they
 * become idle (a response while draining leaves its socket idle) — unless `gentle`: a client
 * may be sending on one right now, so they end with their next response (Connection: close,
 * from app.draining) or their keep-alive timeout, until `closeIdle()` (a dev reload and a
 * rolling restart are gentle; shutdown is not).
 */
export function drainServer(server: Server, timeoutSeconds: number, gentle = false): Drain {
  // net.Server's close: http.Server's (Node 19+) would also cut idle keep-alive connections.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  let sweeper: NodeJS.Timeout | undefined;
  const closeIdle = () => {
    if (sweeper) return;
    server.closeIdleConnections();
    sweeper = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
  };
  if (!gentle) closeIdle();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutSeconds * 1000)));
  const done = Promise.race([closed.then(() => false), timedOut]).then(async (late) => {
    clearInterval(sweeper);
    clearTimeout(timer);
    if (late) {
      server.closeAllConnections();
      await closed;
    }
    return { drained: !late };
  });
  return { done, closeIdle };
}
