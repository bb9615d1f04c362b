/**
 * An app's WebSocket side: the table of WS routes (a segment trie of its own, so WS paths
 * never change how HTTP routes match) and the handling of upgrade requests on the app's own
 * HTTP server — route → origin → auth → bus ready → `ws` handshake — so dev and production
 * (cluster workers) serve WebSockets on the same port as HTTP. Refusals are plain HTTP JSON
 * answers written on the socket (404, 403, 401, 503...).
 */
import { STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { RouteTrie, type RouteEntry } from "../router/trie.js";
import { decodeSegments, splitTarget } from "../http/path.js";
import type { Params, Request } from "../http/request.js";
import { setting } from "../config/settings.js";
import { log } from "../log.js";
import { RealtimeError, RealtimeErrorCode } from "./errors.js";
import { announceSessionEnds, bindSession, hubReady } from "./hub.js";
import { originAllowed, originSet } from "./origin.js";
import { authenticateUpgrade, offeredProtocols, protocolToken, upgradeSessions } from "./upgrade-auth.js";
import { upgradeGate, type UpgradeGate, type UpgradeVerdict } from "./upgrade-middleware.js";
import { WsConnection, type ConnectionSettings } from "./socket.js";
import { watchHeartbeat } from "./heartbeat.js";
import { closeStreams } from "./sse.js";
import type { SlowClientPolicy, WebSocketHandlers, WebSocketOptions } from "./types.js";

/** What the app provides: its request objects (trusted proxies, ids) and its state. */
export interface RealtimeHost {
  request(raw: IncomingMessage, path: string, search: string): Request;
  /** True while the app drains (new upgrades get 503). */
  draining(): boolean;
  /**
   * An upgrade's outcome: 101 once the handshake is answered, else the refusal's status, `ms`
   * after it arrived (the request log and metrics count upgrades as requests).
   */
  upgraded?(req: Request, status: number, ms: number): void;
}

interface WsRoute {
  handlers: WebSocketHandlers;
  source: string;
  secured: boolean;
  origins: Set<string>;
  gate: UpgradeGate | null;
  maxMessage: number;
  settings: ConnectionSettings;
}

/** One row of `tina4 routes` for a WS route. */
export interface WebSocketRouteInfo {
  path: string;
  source: string;
  secured: boolean;
  middleware: string[];
}

const HANDLER_NAMES = ["open", "message", "close", "error"] as const;

/** After the 1001 close frame, sockets whose peer does not answer are cut so the drain can finish. */
const GOING_AWAY_GRACE_MS = 2000;

function positive(name: string, value: unknown, fallback: number): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== "number" || !Number.isInteger(chosen) || chosen <= 0) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${name} must be a positive integer (bytes), got ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

export function checkHandlers(value: unknown, where: string): WebSocketHandlers {
  if (typeof value !== "object" || value === null) {
    throw new RealtimeError(RealtimeErrorCode.HANDLERS, `${where}: the handlers must be an object with open, message, close and/or error functions`);
  }
  const handlers = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of HANDLER_NAMES) {
    if (handlers[name] === undefined) continue;
    if (typeof handlers[name] !== "function") throw new RealtimeError(RealtimeErrorCode.HANDLERS, `${where}: "${name}" must be a function`);
    out[name] = handlers[name];
  }
  if (Object.keys(out).length === 0) throw new RealtimeError(RealtimeErrorCode.HANDLERS, `${where}: define at least one of open, message, close, error`);
  return out as WebSocketHandlers;
}

function checkOptions(options: WebSocketOptions, where: string): Omit<WsRoute, "handlers" | "source"> {
  if (typeof options !== "object" || options === null) throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: options must be an object`);
  if (options.secured !== undefined && typeof options.secured !== "boolean") {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: "secured" must be true or false, got ${JSON.stringify(options.secured)}`);
  }
  if (options.origins !== undefined && (!Array.isArray(options.origins) || options.origins.some((o) => typeof o !== "string"))) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: "origins" must be an array of strings`);
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: "middleware" must be an array`);
  }
  let gate: UpgradeGate | null;
  try {
    gate = upgradeGate(options.middleware ?? []);
  } catch (error) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: ${(error as Error).message}`, { cause: error });
  }
  const slowClient = (options.slowClient ?? setting("TINA4_WS_SLOW_CLIENT")) as SlowClientPolicy;
  if (slowClient !== "close" && slowClient !== "drop") {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${where}: the slow-client policy must be "close" or "drop", got ${JSON.stringify(slowClient)}`);
  }
  return {
    secured: options.secured ?? false,
    origins: originSet(options.origins ?? setting("TINA4_CORS_ORIGINS")),
    gate,
    maxMessage: positive("maxMessage (TINA4_WS_MAX_MESSAGE)", options.maxMessage, setting("TINA4_WS_MAX_MESSAGE")),
    settings: {
      route: where,
      slowClient,
      maxBuffered: positive("maxBuffered (TINA4_WS_MAX_BUFFERED)", options.maxBuffered, setting("TINA4_WS_MAX_BUFFERED")),
    },
  };
}

let wsModule: Promise<typeof import("ws")> | null = null;

export class Realtime {
  private readonly trie = new RouteTrie<WsRoute>();
  /** One `ws` server per message size limit (handshakes only: noServer, no client tracking). */
  private readonly servers = new Map<number, Promise<WebSocketServer>>();
  private readonly connections = new Map<Server, Set<WsConnection>>();
  private readonly attached = new WeakSet<Server>();
  private count = 0;

  constructor(private readonly host: RealtimeHost) {}

  /** Registers (or, same pattern, replaces) a WS route; returns the source of the one replaced. */
  add(path: string, handlers: unknown, options: WebSocketOptions = {}, source = "programmatic"): string | undefined {
    const where = `WS ${path} (${source})`;
    const route: WsRoute = { handlers: checkHandlers(handlers, where), source, ...checkOptions(options, where) };
    announceSessionEnds(); // this app's logouts must reach the sockets its other processes hold
    return this.trie.add("WS", path, route)?.data.source;
  }

  get size(): number {
    return this.trie.size;
  }

  routes(): WebSocketRouteInfo[] {
    return this.trie.entries().map((entry: RouteEntry<WsRoute>) => ({ path: entry.pattern, source: entry.data.source, secured: entry.data.secured, middleware: entry.data.gate?.names ?? [] }));
  }

  /** True when a WS route takes this path (a plain request to it gets 426 Upgrade Required). */
  has(segments: string[]): boolean {
    return this.trie.size > 0 && this.trie.match("WS", segments).kind === "found";
  }

  /** Serves upgrades on `server` (createHttpServer calls this once). */
  attach(server: Server): void {
    if (this.attached.has(server)) return;
    this.attached.add(server);
    server.on("upgrade", (raw: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => undefined); // a reset during the handshake is the client's business
      const started = performance.now();
      const target = splitTarget(raw.url ?? "/");
      const req = this.host.request(raw, target.path, target.search);
      void this.upgrade(raw, req, socket, head, server)
        .catch((error: unknown) => {
          log.error(`websocket upgrade failed: ${(error as Error)?.stack ?? String(error)}`);
          return refuse(socket, req, 500, "Internal Server Error");
        })
        .then((status) => this.host.upgraded?.(req, status, performance.now() - started));
    });
  }

  /**
   * Shutdown, rolling restart, dev reload: every socket (and SSE stream) of `server` closes
   * with 1001. Resolves once every socket has closed and its `close` handler has settled (at
   * most `waitMs`), so the caller closes the bus, database and cache only after the handlers'
   * last broadcasts ("user left") and writes went out.
   */
  goingAway(server: Server, waitMs = 0): Promise<void> {
    closeStreams(server);
    const sockets = this.connections.get(server);
    if (!sockets || sockets.size === 0) return Promise.resolve();
    const finished = Promise.all([...sockets].map((connection) => connection.finished));
    for (const connection of sockets) connection.close(1001, "Server going away");
    setTimeout(() => {
      for (const connection of sockets) connection.ws.terminate();
    }, GOING_AWAY_GRACE_MS).unref();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(waitMs, GOING_AWAY_GRACE_MS))));
    return Promise.race([finished.then(() => undefined), bound]).finally(() => clearTimeout(timer));
  }

  /** Answers one upgrade: resolves with 101 once handed to the handshake, else with the refusal's status. */
  private async upgrade(raw: IncomingMessage, req: Request, socket: Duplex, head: Buffer, server: Server): Promise<number> {
    if (raw.headers.upgrade?.toLowerCase() !== "websocket") return refuse(socket, req, 400, "Unsupported upgrade");
    if (this.host.draining()) return refuse(socket, req, 503, "Service Unavailable", { "retry-after": "1" });
    let segments: string[];
    try {
      segments = decodeSegments(req.path);
    } catch {
      return refuse(socket, req, 400, "Invalid path");
    }
    const match = this.trie.size > 0 ? this.trie.match("WS", segments) : null;
    if (match?.kind !== "found") return refuse(socket, req, 404, "Not Found", {}, { path: req.path });
    const route = match.entry.data;
    req.params = match.params as Params;
    req.route = match.entry.pattern;
    if (!originAllowed(raw.headers.origin, raw.headers.host, route.origins)) return refuse(socket, req, 403, "Origin not allowed");
    if (this.count >= setting("TINA4_WS_MAX_CONNECTIONS")) return refuse(socket, req, 503, "Too many connections", { "retry-after": "5" });
    let auth: "ok" | "invalid";
    try {
      auth = await authenticateUpgrade(req);
    } catch (error) {
      const status = (error as { status?: number }).status;
      return refuse(socket, req, status === 503 ? 503 : 500, status === 503 ? "Session store unavailable" : "Internal Server Error");
    }
    if (auth === "invalid" || (route.secured && req.user === null)) {
      return refuse(socket, req, 401, "Unauthorized", { "www-authenticate": auth === "invalid" ? 'Bearer error="invalid_token"' : "Bearer" });
    }
    let extraHeaders: string[] = [];
    if (route.gate) {
      let verdict: UpgradeVerdict;
      try {
        verdict = await route.gate.run(req);
      } catch (error) {
        log.error(`websocket ${route.settings.route}: middleware failed: ${(error as Error)?.stack ?? String(error)}`);
        return refuse(socket, req, 500, "Internal Server Error");
      }
      if (!verdict.admitted) return answer(socket, req, verdict.status, verdict.headers, verdict.body, verdict.contentType);
      extraHeaders = verdict.headers;
    }
    try {
      await hubReady();
    } catch (error) {
      log.error(`websocket ${route.settings.route}: refused, the pub/sub bus is unavailable: ${(error as Error).message}`);
      return refuse(socket, req, 503, "Realtime bus unavailable", { "retry-after": "1" });
    }
    if (this.host.draining()) return refuse(socket, req, 503, "Service Unavailable", { "retry-after": "1" });
    const wss = await this.handshakes(route.maxMessage);
    extraHeaders.push(`X-Request-ID: ${req.requestId}`);
    handshakeHeaders.set(raw, extraHeaders);
    wss.handleUpgrade(raw, socket, head, (ws) => {
      const connection = new WsConnection(ws, req, route.handlers, route.settings);
      // a socket a session's user opened closes (4401) when that session ends: a logout anywhere
      const sessionId = upgradeSessions.get(req);
      if (sessionId !== undefined) bindSession(connection, sessionId);
      let set = this.connections.get(server);
      if (!set) this.connections.set(server, (set = new Set()));
      set.add(connection);
      this.count++;
      ws.once("close", () => {
        this.count--;
        set.delete(connection);
      });
      watchHeartbeat(connection);
    });
    return 101;
  }

  private handshakes(maxPayload: number): Promise<WebSocketServer> {
    let pending = this.servers.get(maxPayload);
    if (!pending) {
      pending = (wsModule ??= import("ws")).then(({ WebSocketServer }) => new WebSocketServer({
        noServer: true,
        clientTracking: false,
        perMessageDeflate: false,
        maxPayload,
        // agree to "bearer" for a token pair, never to the token itself
        handleProtocols: (protocols, request) => {
          const token = protocolToken(offeredProtocols({ headers: request.headers } as Request));
          for (const protocol of protocols) if (protocol !== token) return protocol;
          return false;
        },
      }).on("headers", (headers, request) => {
        const extra = handshakeHeaders.get(request);
        if (extra) headers.push(...extra);
      }));
      this.servers.set(maxPayload, pending);
    }
    return pending;
  }
}

/** Headers added to the 101 Switching Protocols answer: the route middleware's, and X-Request-ID. */
const handshakeHeaders = new WeakMap<IncomingMessage, string[]>();

/** Answers an upgrade with a plain HTTP error (JSON) and closes the connection. */
function refuse(socket: Duplex, req: Request, status: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): number {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return answer(socket, req, status, lines, JSON.stringify({ error: message, ...extra }), "application/json; charset=utf-8");
}

/**
 * Writes an HTTP answer instead of the handshake and closes the connection. It carries the
 * request's X-Request-ID, as every HTTP answer does, so a client can match its refusal to the
 * server's request line (the id is the client's own well-formed one or a generated one: safe
 * in a header line as it is).
 */
function answer(socket: Duplex, req: Request, status: number, headerLines: string[], body: string | Buffer, contentType: string): number {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return status;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`, `Content-Type: ${contentType}`, `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close", `X-Request-ID: ${req.requestId}`, ...headerLines];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  socket.end(body);
  setTimeout(() => socket.destroy(), 1000).unref();
  return status;
}

