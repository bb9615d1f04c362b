/**
 * Rooms and broadcasts. Every WebSocket and SSE stream of this process is a member; `join`
 * and `leave` only touch local state. A broadcast is published once on the bus channel
 * "rooms" and each process — the sender's included — delivers it to its own members of
 * that room, so a client is reached exactly once whichever worker or instance holds it.
 */
import { log, warnEvery } from "../log.js";
import { broadcastsGoNowhere, busTransport, busUp, listenText, publishText, type Unsubscribe } from "./bus/bus.js";
import { checkName, RealtimeError, RealtimeErrorCode } from "./errors.js";
import { sampleConnections } from "../instruments.js";
import { createHash } from "node:crypto";
import { onSessionEnded } from "../session/ended.js";

/** One broadcast as this process delivers it: decoded once, encoded once for all members. */
export class Frame {
  private bytes: Buffer | null = null;

  constructor(
    /** Text as sent (JSON for objects), or the bytes of a binary broadcast. */
    readonly data: string | Buffer,
    /** SSE event name (WebSockets ignore it). */
    readonly event: string | null,
    /** SSE event id, what EventSource sends back as Last-Event-ID (WebSockets ignore it). */
    readonly eventId: string | null = null,
  ) {}

  get binary(): boolean {
    return typeof this.data !== "string";
  }

  /** UTF-8 bytes of a text frame, made once and shared by every socket it goes to. */
  buffer(): Buffer {
    return (this.bytes ??= typeof this.data === "string" ? Buffer.from(this.data) : this.data);
  }
}

/** A WebSocket or an SSE stream, as the hub sees it. */
export interface Member {
  readonly id: string;
  /** Which gauge of /__metrics counts it. */
  readonly transport: "websocket" | "sse";
  readonly rooms: Set<string>;
  deliver(frame: Frame): void;
}

export interface BroadcastOptions {
  /** Members (or their ids) that must not receive it, e.g. the sender. */
  except?: string | { id: string } | Array<string | { id: string }>;
  /** SSE event name for SSE members (`event:` line); WebSockets receive the data only. */
  event?: string;
  /**
   * SSE event id for SSE members (`id:` line): a browser that reconnects sends the last one it
   * saw as `Last-Event-ID` (`stream.lastEventId`), so the route can replay what came after it.
   */
  id?: string | number;
}

const CHANNEL = "rooms";
/** Ended sessions (a logout): the sockets each one authenticated close in every process. */
const SESSIONS = "sessions";
const members = new Set<Member>();
const rooms = new Map<string, Set<Member>>();
let unsubscribe: Unsubscribe | null = null;
let unsubscribeSessions: Unsubscribe | null = null;
let ready: Promise<void> | null = null;

/** A member that can be closed for its session (a WebSocket). */
export interface SessionMember extends Member {
  close(code: number, reason: string): void;
}
/** Sockets by the key of the session that authenticated them, and back. */
const bySession = new Map<string, Set<SessionMember>>();
const sessionOf = new WeakMap<Member, string>();
/** Whether this process serves WebSocket routes: only then does a logout here tell the others. */
let announceEndedSessions = false;

/** The session's key on the bus: never the id itself (a credential) on a shared server. */
const sessionKey = (id: string) => createHash("sha256").update(id).digest("base64url").slice(0, 32);

/** Ties `member` to the session that authenticated it: it closes with 4401 when that session ends anywhere. */
export function bindSession(member: SessionMember, sessionId: string): void {
  if (!members.has(member)) return;
  const key = sessionKey(sessionId);
  sessionOf.set(member, key);
  let set = bySession.get(key);
  if (!set) bySession.set(key, (set = new Set()));
  set.add(member);
}

/** Called by the app once it has WebSocket routes: its logouts are then announced on the bus. */
export function announceSessionEnds(): void {
  announceEndedSessions = true;
}

onSessionEnded((id) => {
  if (!announceEndedSessions) return;
  const key = sessionKey(id);
  busTransport()
    .then((transport) => (broadcastsGoNowhere(transport) ? undefined : publishText(SESSIONS, key)))
    .catch((error: unknown) => log.warn(`realtime: the sockets of an ended session may stay open: ${(error as Error).message}`));
});

function endSession(key: string): void {
  const set = bySession.get(key);
  if (!set) return;
  bySession.delete(key);
  for (const member of set) member.close(4401, "Session ended");
}

// /__metrics reads the open connections when scraped: nothing is counted per connection
sampleConnections(() => {
  let sse = 0;
  for (const member of members) if (member.transport === "sse") sse++;
  return { websocket: members.size - sse, sse };
});

/** Resolves once this process receives broadcasts (with Redis: the subscription is confirmed). */
export function hubReady(): Promise<void> {
  unsubscribe ??= listenText(CHANNEL, receive);
  unsubscribeSessions ??= listenText(SESSIONS, endSession);
  if (!ready) {
    const attempt = busTransport().then(async (transport) => {
      await Promise.all([transport.listen(CHANNEL), transport.listen(SESSIONS)]);
    });
    ready = attempt;
    attempt.catch(() => {
      if (ready === attempt) ready = null; // try again at the next connection
    });
  }
  // subscribed once, but the server is gone now (reconnecting): a socket opened now would be deaf
  if (!busUp()) return Promise.reject(new RealtimeError(RealtimeErrorCode.BUS_UNREACHABLE, "the pub/sub server is unreachable (reconnecting)"));
  return ready;
}

export function addMember(member: Member): void {
  members.add(member);
  // WebSocket upgrades wait for this before the handshake; an SSE stream cannot wait, it starts receiving once ready
  hubReady().catch((error: unknown) => warnEvery("realtime-bus", `realtime: broadcasts cannot be received: ${(error as Error).message}`));
}

export function removeMember(member: Member): void {
  members.delete(member);
  for (const room of member.rooms) leaveRoom(member, room);
  const key = sessionOf.get(member);
  if (key === undefined) return;
  const set = bySession.get(key);
  set?.delete(member as SessionMember);
  if (set?.size === 0) bySession.delete(key);
}

export function joinRoom(member: Member, room: string): void {
  checkName("room", room);
  if (!members.has(member) || member.rooms.has(room)) return;
  member.rooms.add(room);
  let set = rooms.get(room);
  if (!set) rooms.set(room, (set = new Set()));
  set.add(member);
}

export function leaveRoom(member: Member, room: string): void {
  if (!member.rooms.delete(room)) return;
  const set = rooms.get(room);
  if (!set) return;
  set.delete(member);
  if (set.size === 0) rooms.delete(room);
}

/** How many members this process holds (in `room`, or in all). */
export function localCount(room?: string): number {
  return room === undefined ? members.size : (rooms.get(room)?.size ?? 0);
}

/** The wire form: a JSON header line (room, except ids, binary flag, event, SSE id), then the data. */
function encode(room: string | null, data: unknown, options: BroadcastOptions): string {
  let body: string;
  let binary = false;
  if (typeof data === "string") body = data;
  else if (data instanceof Uint8Array) {
    body = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
    binary = true;
  } else {
    const json = JSON.stringify(data);
    if (json === undefined) throw new RealtimeError(RealtimeErrorCode.PAYLOAD, "broadcast: the data is not JSON-serialisable");
    body = json;
  }
  const except = options.except === undefined ? null : (Array.isArray(options.except) ? options.except : [options.except]).map((e) => (typeof e === "string" ? e : e.id));
  const id = options.id;
  if (id !== undefined && typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `broadcast: "id" must be a string or a finite number, got ${typeof id}`);
  }
  return JSON.stringify([room, except, binary ? 1 : 0, options.event ?? null, id === undefined ? null : String(id)]) + "\n" + body;
}

function receive(message: string): void {
  const newline = message.indexOf("\n");
  // the id came later: a header from a process of the previous version has four fields
  let header: [string | null, string[] | null, number, string | null, (string | null)?];
  try {
    header = JSON.parse(message.slice(0, newline)) as typeof header;
  } catch {
    log.warn("pub/sub: ignored a malformed broadcast");
    return;
  }
  const [room, except, binary, event, eventId = null] = header;
  const targets = room === null ? members : rooms.get(room);
  if (!targets || targets.size === 0) return;
  const body = message.slice(newline + 1);
  const frame = new Frame(binary ? Buffer.from(body, "base64") : body, event, eventId);
  for (const member of targets) {
    if (except !== null && except.includes(member.id)) continue;
    member.deliver(frame);
  }
}

/**
 * `broadcast(room, data, options?)` sends to every member of `room`; `broadcast(data)` to
 * every member. Objects go as JSON text, strings as text, Buffers as binary. Resolves once
 * handed to the bus; a failure is logged and also rejects (unawaited, it never crashes).
 */
export function broadcast(data: unknown): Promise<void>;
export function broadcast(room: string, data: unknown, options?: BroadcastOptions): Promise<void>;
export function broadcast(...args: [unknown] | [string, unknown, BroadcastOptions?]): Promise<void> {
  let message: string;
  try {
    message = args.length === 1 ? encode(null, args[0], {}) : encode(checkName("room", args[0]), args[1], args[2] ?? {});
  } catch (error) {
    return Promise.reject(error);
  }
  const room = args.length === 1 ? null : args[0];
  const sent = busTransport().then((transport) => {
    if (broadcastsGoNowhere(transport)) {
      throw new RealtimeError(
        RealtimeErrorCode.BUS_LOCAL,
        `broadcast(${room === null ? "" : JSON.stringify(room)}) from a \`tina4 worker\` process reaches no WebSocket or SSE client without a shared bus: set TINA4_PUBSUB_URL (Redis/Valkey) for the worker and the servers (docs/realtime.md)`,
      );
    }
    return publishText(CHANNEL, message);
  });
  sent.catch((error: unknown) => log.error(`broadcast failed: ${(error as Error).message}`));
  return sent;
}
