/**
 * The JSON request line (request-log.ts, `jsonLine`) encoded straight into the batched writer's
 * buffer, byte for byte the same: no line string is built, flattened and then copied as UTF-8.
 * The parts that repeat are kept as bytes — the `{"level":30,"time":…,"pid":…,"reqId":` head per
 * millisecond, the `"method"…"route"…"status":` middle per method and route, the `"ip"` tail per
 * address — and the request id, status and ms are written digit by digit. An id that would need
 * JSON escaping returns false: the caller writes the string line instead.
 */
import type { Request } from "../http/request.js";
import type { BatchedDestination } from "./log-destination.js";
import { wallMillis } from "./wall-clock.js";

const QUOTE = 0x22;
const DOT = 0x2e;
const ZERO = 0x30;

/** Request-id characters written as they are (the set request-log.ts's PLAIN accepts: `[\w.:/{}-]`). */
const PLAIN_BYTE = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/{}-") PLAIN_BYTE[c.charCodeAt(0)] = 1;

let headTime = -1;
let head = Buffer.alloc(0);
/** Route → method → `,"method":"GET","route":"/x","status":` (a few hundred at most are kept). */
const middles = new Map<string | null, Map<string, Buffer>>();
let middleCount = 0;
const tails = new Map<string, Buffer>();
const KEEP = 512;
/** `,"ms":`, written byte by byte (cheaper than a TypedArray.set this short). */
const MS_KEY = [0x2c, QUOTE, 0x6d, 0x73, QUOTE, 0x3a] as const;
/** The status (≤ 3 digits), `,"ms":` and ms (≤ 16 digits, "." and 3 decimals). */
const NUMBERS_MAX = 3 + MS_KEY.length + 20;

/** The last request's method, route and address and their parts: consecutive lines mostly repeat them. */
let lastMethod = "";
let lastRoute: string | null | undefined;
let lastMiddle: Buffer = Buffer.alloc(0);
let lastIp: string | undefined;
let lastTail: Buffer = Buffer.alloc(0);

function middleFor(method: string, route: string | null): Buffer {
  let byMethod = middles.get(route);
  let bytes = byMethod?.get(method);
  if (bytes !== undefined) return bytes;
  bytes = Buffer.from(`,"method":${JSON.stringify(method)},"route":${route === null ? "null" : JSON.stringify(route)},"status":`);
  if (middleCount < KEEP) {
    if (byMethod === undefined) middles.set(route, (byMethod = new Map()));
    byMethod.set(method, bytes);
    middleCount++;
  }
  return bytes;
}

function tailFor(ip: string): Buffer {
  let bytes = tails.get(ip);
  if (bytes !== undefined) return bytes;
  bytes = Buffer.from(`,"ip":${JSON.stringify(ip)}}\n`);
  if (tails.size < KEEP) tails.set(ip, bytes);
  return bytes;
}

/** Writes the decimal digits of a non-negative safe integer at `at`; returns the end. */
function writeInteger(buffer: Buffer, at: number, value: number): number {
  if (value < 10) {
    buffer[at] = ZERO + value;
    return at + 1;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = at + digits;
  for (let rest = value, i = end - 1; i >= at; i--) {
    const next = Math.floor(rest / 10);
    buffer[i] = ZERO + (rest - next * 10);
    rest = next;
  }
  return end;
}

/** `msText(ms)`: `Math.round(ms * 1000) / 1000` as JavaScript prints it (no exponent below 1e21). */
function writeMs(buffer: Buffer, at: number, ms: number): number {
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  let frac = micros - whole * 1000;
  at = writeInteger(buffer, at, whole);
  if (frac === 0) return at;
  buffer[at++] = DOT;
  const hundreds = Math.floor(frac / 100);
  buffer[at++] = ZERO + hundreds;
  frac -= hundreds * 100;
  if (frac === 0) return at;
  const tens = Math.floor(frac / 10);
  buffer[at++] = ZERO + tens;
  frac -= tens * 10;
  if (frac === 0) return at;
  buffer[at++] = ZERO + frac;
  return at;
}

/**
 * Appends the request line to `out`; false (nothing written) when the request id needs JSON
 * escaping or the line would not fit a batch. `endedAt`: the clock reading `ms` was measured to
 * (`time` is Date.now() as of then, wall-clock.ts).
 */
export function encodeRequestLine(out: BatchedDestination, req: Request, status: number, ms: number, endedAt: number): boolean {
  const now = wallMillis(endedAt);
  if (now !== headTime) {
    headTime = now;
    head = Buffer.from(`{"level":30,"time":${now},"pid":${process.pid},"reqId":`);
  }
  const id = req.requestId;
  const method = req.method;
  const route = req.route;
  const ip = req.ip;
  if (method !== lastMethod || route !== lastRoute) {
    lastMiddle = middleFor(method, route);
    lastMethod = method;
    lastRoute = route;
  }
  if (ip !== lastIp) {
    lastTail = tailFor(ip);
    lastIp = ip;
  }
  const middle = lastMiddle;
  const tail = lastTail;
  const buffer = out.reserve(head.length + id.length + 2 + middle.length + tail.length + NUMBERS_MAX);
  if (buffer === null || ms > Number.MAX_SAFE_INTEGER / 1000) return false;
  let at = out.filled;
  buffer.set(head, at);
  at += head.length;
  buffer[at++] = QUOTE;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code >= 128 || PLAIN_BYTE[code] === 0) return false; // nothing is committed until advance()
    buffer[at++] = code;
  }
  buffer[at++] = QUOTE;
  buffer.set(middle, at);
  at += middle.length;
  if (status >= 100 && status <= 999) {
    // every real status: three digits, without writeInteger's loops
    const hundreds = Math.floor(status / 100);
    const rest = status - hundreds * 100;
    const tens = Math.floor(rest / 10);
    buffer[at] = ZERO + hundreds;
    buffer[at + 1] = ZERO + tens;
    buffer[at + 2] = ZERO + (rest - tens * 10);
    at += 3;
  } else {
    at = writeInteger(buffer, at, status);
  }
  for (let i = 0; i < MS_KEY.length; i++) buffer[at++] = MS_KEY[i]!;
  at = writeMs(buffer, at, ms);
  buffer.set(tail, at);
  out.advance(at + tail.length);
  return true;
}
