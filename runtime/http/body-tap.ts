/**
 * The response class tina4's HTTP server creates (node:http's `ServerResponse` option): Node's
 * own, plus one slot through which a layer can watch the body bytes as they are written. Only
 * responses a handler writes to `res.raw` itself need it — everything else passes onSend hooks
 * (./hooks.ts) — and responseCache stores those too. With the slot empty a write costs one
 * property check more.
 */
import { IncomingMessage, ServerResponse } from "node:http";

/** Sees each chunk (string, Buffer or Uint8Array, with its encoding) before it is written. */
export type BodyTap = (chunk: unknown, encoding: unknown) => void;

const kTap = Symbol("tina4.bodyTap");

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
type End = (chunk?: unknown, encoding?: unknown, callback?: unknown) => ServerResponse;

export class TappableResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  declare [kTap]: BodyTap | null;
}

const proto = TappableResponse.prototype as unknown as { [kTap]: BodyTap | null; write: Write; end: End };
const write = ServerResponse.prototype.write as unknown as Write;
const end = ServerResponse.prototype.end as unknown as End;
proto[kTap] = null;
proto.write = function (this: TappableResponse, chunk, encoding, callback) {
  const tap = this[kTap];
  if (tap !== null) tap(chunk, encoding);
  return write.call(this, chunk, encoding, callback);
};
proto.end = function (this: TappableResponse, chunk, encoding, callback) {
  const tap = this[kTap];
  if (tap !== null && chunk !== undefined && chunk !== null && typeof chunk !== "function") tap(chunk, encoding);
  return end.call(this, chunk, encoding, callback);
};

/**
 * Watches the body written to `raw` from now on (null stops). False when `raw` does not come
 * from tina4's server (an app mounted on another one): nothing can be watched there.
 */
export function tapBody(raw: ServerResponse, tap: BodyTap | null): boolean {
  if (!(raw instanceof TappableResponse)) return false;
  raw[kTap] = tap;
  return true;
}
