/**
 * Server-Sent Events: `res.sse()` turns a response into an event stream. The stream is a hub
 * member, so it can `join(room)` and receives `broadcast(...)` like a WebSocket. Comment
 * heartbeats (TINA4_SSE_HEARTBEAT seconds, 15) keep proxies from closing an idle stream and
 * reveal a vanished client; a client that stops reading past TINA4_SSE_MAX_BUFFERED bytes
 * (1 MiB) is disconnected (EventSource reconnects, with Last-Event-ID).
 */
import type { Server, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { setting } from "../config/settings.js";
import { log } from "../log.js";
import { addMember, joinRoom, leaveRoom, removeMember, type Frame, type Member } from "./hub.js";
import { nextConnectionId } from "./ids.js";

export interface SseOptions {
  /** Seconds between heartbeat comments (TINA4_SSE_HEARTBEAT, 15; 0: none). */
  heartbeat?: number;
  /** Reconnection delay the browser should use, in ms (`retry:`). */
  retry?: number;
  /** Bytes queued for a slow client before it is disconnected (TINA4_SSE_MAX_BUFFERED, 1 MiB). */
  maxBuffered?: number;
}

export interface SseSendOptions {
  event?: string;
  id?: string | number;
}

/** One Server-Sent Events stream. */
export interface SseStream {
  readonly id: string;
  /** The `Last-Event-ID` the browser sent when reconnecting (null on a first connect). */
  readonly lastEventId: string | null;
  readonly rooms: ReadonlySet<string>;
  readonly closed: boolean;
  /** Sends one event: strings as they are, anything else as JSON. False once closed (or cut as slow). */
  send(data: unknown, options?: SseSendOptions): boolean;
  /** A comment line (ignored by EventSource). */
  comment(text: string): boolean;
  join(room: string): this;
  leave(room: string): this;
  /** Ends the stream. */
  close(): void;
  /** Runs `fn` once the stream ends (client gone, close(), shutdown). */
  onClose(fn: () => void): this;
}

/** Streams per HTTP server, so a draining server ends its own (see Realtime.goingAway). */
const byServer = new Map<Server | null, Set<EventStream>>();

/** Ends every SSE stream served by `server` (its clients reconnect elsewhere). */
export function closeStreams(server: Server): void {
  for (const stream of byServer.get(server) ?? []) stream.close();
}

/** One event in the text/event-stream format; line breaks in data become several `data:` lines. */
export function formatEvent(data: string, event: string | null | undefined, id: string | number | undefined): string {
  let out = "";
  if (event) out += `event: ${event.replace(/[\r\n]/g, "")}\n`;
  if (id !== undefined) out += `id: ${String(id).replace(/[\r\n\0]/g, "")}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

class EventStream implements SseStream, Member {
  readonly id = nextConnectionId();
  readonly transport = "sse";
  readonly rooms = new Set<string>();
  readonly lastEventId: string | null;
  readonly body = new PassThrough();
  closed = false;
  private readonly listeners: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | null;
  private readonly maxBuffered: number;
  private readonly server: Server | null;

  constructor(private readonly raw: ServerResponse, lastEventId: string | undefined, options: SseOptions) {
    this.lastEventId = lastEventId ?? null;
    this.maxBuffered = options.maxBuffered ?? setting("TINA4_SSE_MAX_BUFFERED");
    this.server = (raw.socket as { server?: Server } | null)?.server ?? null;
    let set = byServer.get(this.server);
    if (!set) byServer.set(this.server, (set = new Set()));
    set.add(this);
    addMember(this);
    // the first bytes flush the headers, so EventSource opens at once
    this.write(options.retry !== undefined ? `retry: ${Math.max(0, Math.trunc(options.retry))}\n\n` : ":ok\n\n");
    const seconds = options.heartbeat ?? setting("TINA4_SSE_HEARTBEAT");
    this.timer = seconds > 0 ? setInterval(() => this.write(":\n\n"), seconds * 1000).unref() : null;
    raw.once("close", () => this.close());
    this.body.on("error", () => this.close());
  }

  /** Bytes waiting anywhere on our side: both halves of the PassThrough and the response's socket buffer. */
  private buffered(): number {
    return this.body.writableLength + this.body.readableLength + this.raw.writableLength;
  }

  private write(text: string): boolean {
    if (this.closed) return false;
    if (this.buffered() + text.length > this.maxBuffered) {
      log.warn(`SSE stream ${this.id}: slow client disconnected (${this.buffered()} bytes queued)`);
      this.close();
      this.raw.destroy();
      return false;
    }
    this.body.write(text);
    return true;
  }

  send(data: unknown, options: SseSendOptions = {}): boolean {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    if (text === undefined) throw new TypeError("sse.send: the data is not JSON-serialisable");
    return this.write(formatEvent(text, options.event, options.id));
  }

  comment(text: string): boolean {
    return this.write(text.split(/\r\n|\r|\n/).map((line) => `: ${line}\n`).join("") + "\n");
  }

  deliver(frame: Frame): void {
    const text = typeof frame.data === "string" ? frame.data : frame.data.toString("base64");
    this.write(formatEvent(text, frame.event, frame.eventId ?? undefined));
  }

  join(room: string): this {
    joinRoom(this, room);
    return this;
  }

  leave(room: string): this {
    leaveRoom(this, room);
    return this;
  }

  onClose(fn: () => void): this {
    if (this.closed) fn();
    else this.listeners.push(fn);
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    removeMember(this);
    byServer.get(this.server)?.delete(this);
    this.body.end();
    for (const fn of this.listeners.splice(0)) {
      try {
        fn();
      } catch (error) {
        log.error(`SSE onClose callback failed: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
  }
}

/** Opens a stream on `raw` (what res.sse() does); `body` becomes the response's streamed payload. */
export function openEventStream(raw: ServerResponse, lastEventId: string | undefined, options: SseOptions = {}): { stream: SseStream; body: PassThrough } {
  const stream = new EventStream(raw, lastEventId, options);
  return { stream, body: stream.body };
}
