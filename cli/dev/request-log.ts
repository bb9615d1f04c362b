import kleur from "kleur";
import type { Request } from "../../runtime/http/request.js";
import type { Response } from "../../runtime/http/response.js";

function clock(): string {
  const now = new Date();
  return [now.getHours(), now.getMinutes(), now.getSeconds()].map((part) => String(part).padStart(2, "0")).join(":");
}

function colourStatus(status: number): string {
  const text = String(status);
  if (status >= 500) return kleur.red(text);
  if (status >= 400) return kleur.yellow(text);
  if (status >= 300) return kleur.cyan(text);
  return kleur.green(text);
}

/** The request target as typed, without control characters (a log line stays one line), capped. */
function target(url: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = url.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/**
 * Dev: one line per request on stdout once it is answered, as `artisan serve` and Vite do —
 * time, method, target, status, milliseconds and the X-Request-ID (to find the request in
 * error output). A request the client abandoned before its answer was sent says so.
 * `tina4 serve --quiet` turns it off. Hooks: `onRequest` starts the clock, `onResponse` writes.
 */
export function requestLog(write: (line: string) => void = (line) => void process.stdout.write(line)) {
  const started = new WeakMap<Request, number>();
  const skipped = new WeakSet<Request>();
  return {
    onRequest: (req: Request): void => void started.set(req, performance.now()),
    /** Requests that are not worth a line (the live-reload stream, forwarded requests). */
    skip: (req: Request): void => void skipped.add(req),
    onResponse: (req: Request, res: Response): void => {
      if (skipped.has(req)) return;
      // a request refused before routing (bad query string) never reached onRequest: ≈ 0 ms
      const ms = performance.now() - (started.get(req) ?? performance.now());
      const raw = res.raw;
      const status = raw.writableFinished ? colourStatus(raw.statusCode) : kleur.red("aborted");
      const time = ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
      write(`${kleur.dim(clock())} ${req.method} ${target(req.url)} ${status} ${time} ms${kleur.dim(` ${req.requestId}`)}\n`);
    },
  };
}
