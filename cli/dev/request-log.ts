import type { Request } from "../../runtime/http/request.js";
import type { SentResponse } from "../../runtime/http/hooks.js";
import { requestRecord } from "../../runtime/ops/request-log.js";
import { formatRecord } from "../../runtime/ops/pretty.js";
import { logFormat, logsAtInfo } from "../../runtime/ops/logger.js";

/**
 * Dev: one line per request on stdout once it is answered, as `artisan serve` and Vite do —
 * time, method, target, status, milliseconds and the X-Request-ID (to find the request in
 * error output). A request the client abandoned before its answer was sent says so.
 * `tina4 serve --quiet` turns it off, and so does TINA4_LOG_LEVEL above info; TINA4_LOG_FORMAT=json
 * prints production's JSON line instead. An `onSent` hook writes it (given the time since the
 * request arrived), so WebSocket upgrades get their line too, as in production.
 * The record and its readable form are production's (runtime/ops/request-log.ts, pretty.ts):
 * one request line in two formats, not a second logger.
 */
export function requestLog(write: (line: string) => void = (line) => void process.stdout.write(line)) {
  const skipped = new WeakSet<Request>();
  return {
    /** Requests that are not worth a line (the live-reload stream, forwarded requests). */
    skip: (req: Request): void => void skipped.add(req),
    onSent: (req: Request, res: SentResponse, ms: number): void => {
      // TINA4_LOG_LEVEL above info turns it off and TINA4_LOG_FORMAT=json prints production's line
      // (read per request: cheap next to a dev request, and a .env change reloads the worker anyway)
      if (skipped.has(req) || !logsAtInfo()) return;
      const json = logFormat() === "json";
      const record = { level: 30, time: Date.now(), ...(json ? { pid: process.pid } : {}), ...requestRecord(req, res, ms, !json) };
      write(json ? `${JSON.stringify(record)}\n` : formatRecord(record));
    },
  };
}
