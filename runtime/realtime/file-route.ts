/**
 * `src/routes/<path>/ws.ts`: a WebSocket route at the folder's path. Its handlers are the
 * named exports `open`, `message`, `close`, `error` (or a default export object holding
 * them); `secured`, `middleware` and `options` (WebSocketOptions) are optional exports.
 */
import { RealtimeError, RealtimeErrorCode } from "./errors.js";
import type { Middleware } from "../middleware/types.js";
import type { WebSocketHandlers, WebSocketOptions } from "./types.js";

export function webSocketFileRoute(mod: Record<string, unknown>, source: string): { handlers: WebSocketHandlers; options: WebSocketOptions } {
  const named = ["open", "message", "close", "error"].filter((name) => mod[name] !== undefined);
  let handlers: unknown;
  if (named.length > 0) {
    handlers = Object.fromEntries(named.map((name) => [name, mod[name]]));
  } else if (typeof mod.default === "object" && mod.default !== null) {
    handlers = mod.default;
  } else {
    throw new RealtimeError(RealtimeErrorCode.HANDLERS, `${source} must export open, message, close and/or error handlers`);
  }
  if (mod.options !== undefined && (typeof mod.options !== "object" || mod.options === null)) {
    throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${source}: "options" export must be an object`);
  }
  const options: WebSocketOptions = { ...(mod.options as WebSocketOptions | undefined) };
  if (mod.secured !== undefined) options.secured = mod.secured as boolean;
  if (mod.middleware !== undefined) {
    if (!Array.isArray(mod.middleware)) throw new RealtimeError(RealtimeErrorCode.OPTIONS, `${source}: "middleware" export must be an array`);
    options.middleware = [...(options.middleware ?? []), ...(mod.middleware as Middleware[])];
  }
  return { handlers: handlers as WebSocketHandlers, options };
}
