import type { IncomingMessage, ServerResponse } from "node:http";
import kleur from "kleur";

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
function target(url: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const clean = (url ?? "/").replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/**
 * Dev: one line per request on stdout once it is answered, as `artisan serve` and Vite do —
 * time, method, target, status, milliseconds and the X-Request-ID (to find the request in
 * error output). A request the client abandoned before its answer was sent says so.
 * `tina4 serve --quiet` turns it off.
 */
export function logRequest(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  // The app passes its headers to writeHead() (not setHeader), so catch the request id there.
  let id: unknown;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((arg): arg is Record<string, unknown> => typeof arg === "object" && arg !== null && !Array.isArray(arg));
    id = headers ? Object.entries(headers).find(([name]) => name.toLowerCase() === "x-request-id")?.[1] : undefined;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
  res.once("close", () => {
    const ms = performance.now() - started;
    const status = res.writableFinished ? colourStatus(res.statusCode) : kleur.red("aborted");
    id ??= res.getHeader("x-request-id");
    const time = ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
    process.stdout.write(`${kleur.dim(clock())} ${req.method ?? "?"} ${target(req.url)} ${status} ${time} ms${id ? kleur.dim(` ${String(id)}`) : ""}\n`);
  });
}
