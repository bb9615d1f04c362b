/**
 * The server side of one WebSocket (on top of a `ws` WebSocket): what handlers receive as
 * `socket`, and a hub member that broadcasts reach. It applies the slow-client policy to
 * every send: a client that stops reading never makes the server buffer without bound.
 */
import type { WebSocket } from "ws";
import type { Params, Request } from "../http/request.js";
import type { AuthUser } from "../auth/types.js";
import { log } from "../log.js";
import { addMember, joinRoom, leaveRoom, removeMember, type Frame, type Member } from "./hub.js";
import { nextConnectionId } from "./ids.js";
import type { SlowClientPolicy, Socket, SocketMessage, WebSocketHandlers } from "./types.js";

export interface ConnectionSettings {
  maxBuffered: number;
  slowClient: SlowClientPolicy;
  /** Route label for log lines. */
  route: string;
}

/** After a 1013 close, a peer that does not read our close frame either is cut after this. */
const SLOW_CLOSE_GRACE_MS = 2000;

const OPEN = 1;
/** Send options, shared (ws copies them): no allocation per message. */
const AS_TEXT = { binary: false } as const;
const AS_BINARY = { binary: true } as const;

export class WsConnection<P extends Params = Params> implements Socket<P>, Member {
  readonly id = nextConnectionId();
  readonly transport = "websocket";
  readonly rooms = new Set<string>();
  readonly locals: Record<string, unknown> = {};
  readonly params: P;
  readonly user: AuthUser | null;
  /** Set by the heartbeat: false after a ping until the pong comes back. */
  alive = true;
  private pending: Promise<unknown> | null = null;
  private dropped = 0;
  private settle!: () => void;
  /** Settles once the socket has closed and its `close` handler (sync or async) has settled. */
  readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly ws: WebSocket,
    readonly request: Request<P>,
    private readonly handlers: WebSocketHandlers<P>,
    private readonly settings: ConnectionSettings,
  ) {
    this.params = request.params;
    this.user = request.user;
    addMember(this);
    ws.on("message", (data: Buffer, isBinary: boolean) => this.onMessage(isBinary ? data : data.toString(), isBinary));
    ws.on("pong", () => (this.alive = true));
    ws.once("close", (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    // protocol errors (bad frames, bad UTF-8, oversized messages): ws closes the socket itself
    ws.on("error", (error: Error) => log.debug(`websocket ${settings.route}: ${error.message}`));
    if (handlers.open) this.run("open", () => handlers.open!(this));
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get isOpen(): boolean {
    return this.ws.readyState === OPEN;
  }

  send(data: unknown): boolean {
    if (this.ws.readyState !== OPEN) return false;
    if (typeof data === "string") return this.write(Buffer.from(data), false);
    if (data instanceof Uint8Array) return this.write(data, true);
    const json = JSON.stringify(data);
    if (json === undefined) throw new TypeError("socket.send: the data is not JSON-serialisable");
    return this.write(Buffer.from(json), false);
  }

  deliver(frame: Frame): void {
    if (this.ws.readyState === OPEN) this.write(frame.buffer(), frame.binary);
  }

  private write(bytes: Uint8Array, binary: boolean): boolean {
    if (this.ws.bufferedAmount + bytes.byteLength > this.settings.maxBuffered) return this.slow();
    this.ws.send(bytes, binary ? AS_BINARY : AS_TEXT);
    return true;
  }

  /** The client does not keep up: drop this message, or close 1013 and cut it if it does not answer. */
  private slow(): boolean {
    if (this.settings.slowClient === "drop") {
      if (this.dropped++ === 0) log.warn(`websocket ${this.settings.route}: slow client ${this.id}, dropping messages (${this.ws.bufferedAmount} bytes queued)`);
      return false;
    }
    log.warn(`websocket ${this.settings.route}: slow client ${this.id} closed with 1013 (${this.ws.bufferedAmount} bytes queued)`);
    this.ws.close(1013, "Slow consumer");
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
    return false;
  }

  join(room: string): this {
    joinRoom(this, room);
    return this;
  }

  leave(room: string): this {
    leaveRoom(this, room);
    return this;
  }

  close(code = 1000, reason = ""): void {
    this.ws.close(code, reason);
  }

  private onMessage(data: SocketMessage, isBinary: boolean): void {
    const handler = this.handlers.message;
    if (!handler) return;
    if (this.dropped > 0 && this.ws.bufferedAmount === 0) this.dropped = 0;
    // messages wait for an async open() to finish, in order
    if (this.pending) this.after(() => this.run("message", () => handler(this, data, isBinary)));
    else this.run("message", () => handler(this, data, isBinary));
  }

  private onClose(code: number, reason: string): void {
    removeMember(this);
    const handler = this.handlers.close;
    if (!handler) return this.settle();
    const call = () => this.run("close", () => handler(this, code, reason));
    if (this.pending) {
      this.after(call);
      void this.pending.then(this.settle, this.settle);
    } else {
      void Promise.resolve(call()).then(this.settle, this.settle);
    }
  }

  /** Queues `work` behind the pending async open() (and what was queued before it). */
  private after(work: () => unknown): void {
    const next: Promise<unknown> = this.pending!.then(work).then(() => {
      if (this.pending === next) this.pending = null;
    });
    this.pending = next;
  }

  /** Runs a handler; a throw or rejection goes to `error` when there is one, else is logged and closes 1011. */
  private run(what: "open" | "message" | "close", call: () => unknown): unknown {
    let out: unknown;
    try {
      out = call();
    } catch (error) {
      this.fail(what, error);
      return undefined;
    }
    if (out !== null && typeof (out as Promise<unknown>)?.then === "function") {
      const settled = (out as Promise<unknown>).then(undefined, (error: unknown) => this.fail(what, error));
      if (what === "open") {
        const opened: Promise<unknown> = settled.then(() => {
          if (this.pending === opened) this.pending = null;
        });
        this.pending = opened;
      }
      return settled;
    }
    return out;
  }

  private fail(what: string, error: unknown): void {
    const hook = this.handlers.error;
    if (hook) {
      try {
        const out = hook(this, error) as Promise<unknown> | undefined;
        if (typeof out?.then === "function") out.then(undefined, (again: unknown) => this.crash("error", again));
        return;
      } catch (again) {
        return this.crash("error", again);
      }
    }
    this.crash(what, error);
  }

  private crash(what: string, error: unknown): void {
    log.error(`websocket ${this.settings.route}: ${what} handler failed: ${(error as Error)?.stack ?? String(error)}`);
    if (this.ws.readyState === OPEN) this.ws.close(1011, "Internal Error");
  }
}
