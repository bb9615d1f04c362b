/**
 * The types an app writes WebSocket routes with. `src/routes/chat/[room]/ws.ts`:
 * ```ts
 * import type { Socket } from "tina4";
 * export function open(socket: Socket<{ room: string }>) { socket.join(socket.params.room); }
 * export function message(socket: Socket<{ room: string }>, data: string | Buffer) { ... }
 * ```
 */
import type { Params, Request } from "../http/request.js";
import type { AuthUser } from "../auth/types.js";
import type { Middleware } from "../middleware/types.js";

/** One WebSocket connection (server side). */
export interface Socket<P extends Params = Params> {
  /** Unique across workers, instances and restarts (usable in `broadcast(..., { except })`). */
  readonly id: string;
  /** Path parameters of the route, typed ones coerced (`{id:int}` → number). */
  readonly params: P;
  /** The user from the token or session checked at the upgrade; null on a public route without one. */
  readonly user: AuthUser | null;
  /** The upgrade request: headers, query, cookies, ip, path. */
  readonly request: Request<P>;
  /** The subprotocol agreed at the upgrade ("" when none). */
  readonly protocol: string;
  /** Rooms this socket is in. */
  readonly rooms: ReadonlySet<string>;
  /** Free-form per-socket storage. */
  readonly locals: Record<string, unknown>;
  /** True until the connection starts closing. */
  readonly isOpen: boolean;
  /**
   * Sends one message: a string as text, a Buffer/Uint8Array as binary, anything else as JSON
   * text. False when it was not sent (closed, or dropped by the slow-client policy).
   */
  send(data: unknown): boolean;
  /** Joins `room` (this process's membership; broadcasts reach it from any worker or instance). */
  join(room: string): this;
  leave(room: string): this;
  /** Starts the closing handshake (code 1000 by default). */
  close(code?: number, reason?: string): void;
}

/** The data of one incoming message: text frames as a string, binary frames as a Buffer. */
export type SocketMessage = string | Buffer;

/** The handlers of a WebSocket route (all optional; sync or async). */
export interface WebSocketHandlers<P extends Params = Params> {
  open?(socket: Socket<P>): unknown;
  message?(socket: Socket<P>, data: SocketMessage, isBinary: boolean): unknown;
  close?(socket: Socket<P>, code: number, reason: string): unknown;
  /** A handler threw: with this hook the socket stays open (the hook decides); without it, log + close 1011. */
  error?(socket: Socket<P>, error: unknown): unknown;
}

/** What a slow client (one that stops reading) costs it once its send buffer is full. */
export type SlowClientPolicy = "close" | "drop";

export interface WebSocketOptions {
  /** true: the upgrade needs a user (token or session) → 401 without. Default false. */
  secured?: boolean;
  /**
   * Route middleware run at the upgrade, after the origin and `secured` checks and before the
   * handshake (as for HTTP routes); one that answers instead of calling `next()` refuses the
   * upgrade with its answer. Global `use()` middleware does not run on upgrades.
   */
  middleware?: Middleware[];
  /** Origins allowed besides the page's own (default TINA4_CORS_ORIGINS; "*" allows any). */
  origins?: string[];
  /** Largest incoming message in bytes (TINA4_WS_MAX_MESSAGE, 1 MiB); bigger → close 1009. */
  maxMessage?: number;
  /** Bytes queued for a client before the slow-client policy applies (TINA4_WS_MAX_BUFFERED, 1 MiB). */
  maxBuffered?: number;
  /** "close" (default, TINA4_WS_SLOW_CLIENT): close 1013; "drop": skip messages until the client catches up. */
  slowClient?: SlowClientPolicy;
}
