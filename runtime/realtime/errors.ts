import { codedError } from "../errors.js";

/** Every WebSocket, SSE and pub/sub error code; callers and tests branch on `err.code`. */
export const RealtimeErrorCode = {
  /** A WebSocket route's handlers are not an object of functions (open, message, close, error). */
  HANDLERS: "T4_ERR_WS_HANDLERS",
  /** A WebSocket route option is invalid (secured, origins, maxMessage, slowClient...). */
  OPTIONS: "T4_ERR_WS_OPTIONS",
  /** A room or channel name that cannot be used (empty, too long, not a string). */
  NAME: "T4_ERR_WS_NAME",
  /** A value that cannot be sent (not JSON-serialisable). */
  PAYLOAD: "T4_ERR_WS_PAYLOAD",
  /** A plain HTTP request to a path only a WebSocket route takes (426). */
  UPGRADE_REQUIRED: "T4_ERR_WS_UPGRADE_REQUIRED",
  /** TINA4_PUBSUB_URL is not a redis:// / valkey:// URL. */
  BUS_URL: "T4_ERR_WS_BUS_URL",
  /** TINA4_PUBSUB_URL is set but the npm package "redis" is not installed. */
  BUS_DRIVER: "T4_ERR_WS_BUS_DRIVER",
  /** The pub/sub server does not answer (connect timeout, connection lost). */
  BUS_UNREACHABLE: "T4_ERR_WS_BUS_UNREACHABLE",
  /** broadcast() from a process that holds no client (`tina4 worker`) over an in-process bus: it would reach nobody. */
  BUS_LOCAL: "T4_ERR_WS_BUS_LOCAL",
} as const;
export type RealtimeErrorCode = (typeof RealtimeErrorCode)[keyof typeof RealtimeErrorCode];

/** Errors of WebSocket routes, SSE streams and the pub/sub bus. */
export class RealtimeError extends codedError<RealtimeErrorCode>() {
  /**
   * The HTTP status of a request that fails with it (a route awaiting `broadcast`): 503 while
   * the pub/sub server is unreachable — this instance's trouble, not the request's, so a retry
   * in a moment or on another instance may succeed, as for a database that is down — else 500.
   */
  get status(): 500 | 503 {
    return this.code === RealtimeErrorCode.BUS_UNREACHABLE ? 503 : 500;
  }
}

/** Room and channel names: non-empty strings up to 256 characters. */
export function checkName(kind: "room" | "channel", name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 256) {
    throw new RealtimeError(RealtimeErrorCode.NAME, `a ${kind} name must be a non-empty string of at most 256 characters, got ${JSON.stringify(name)?.slice(0, 80)}`);
  }
  return name;
}
