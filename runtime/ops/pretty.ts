/**
 * The readable log format (dev, TINA4_LOG_FORMAT=pretty): pino writes JSON lines to this
 * stream, which prints them as `12:00:01 GET /items/{id} 200 1.2 ms <reqId>` for requests and
 * `12:00:01 WARN message key=value` for the rest, with an error's stack below it.
 */
import kleur from "kleur";
import type { DestinationStream } from "pino";

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const OWN_KEYS = new Set(["level", "time", "pid", "hostname", "msg", "reqId", "err", "method", "route", "path", "status", "ms", "ip"]);

function clock(time: unknown): string {
  const at = typeof time === "number" ? new Date(time) : new Date();
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((part) => String(part).padStart(2, "0")).join(":");
}

export function colourStatus(status: number): string {
  const text = String(status);
  if (status >= 500) return kleur.red(text);
  if (status >= 400) return kleur.yellow(text);
  if (status >= 300) return kleur.cyan(text);
  return kleur.green(text);
}

export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** One record (as pino wrote it) as one readable line, plus the stack of an error. */
export function formatRecord(record: Record<string, unknown>): string {
  const time = kleur.dim(clock(record.time));
  if (typeof record.method === "string" && typeof record.status === "number") {
    const target = String(record.path ?? record.route ?? "");
    const status = record.status === 0 ? kleur.red("aborted") : colourStatus(record.status);
    return `${time} ${record.method} ${target} ${status} ${formatMs(Number(record.ms ?? 0))} ms${kleur.dim(` ${String(record.reqId ?? "")}`)}\n`;
  }
  const level = LEVEL_NAMES[Number(record.level)] ?? "INFO";
  const tint = Number(record.level) >= 50 ? kleur.red : Number(record.level) >= 40 ? kleur.yellow : kleur.dim;
  const extras = Object.entries(record)
    .filter(([key]) => !OWN_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  if (record.reqId) extras.push(kleur.dim(String(record.reqId)));
  const err = record.err as { stack?: string; message?: string } | undefined;
  const stack = err ? `\n${err.stack ?? err.message ?? ""}` : "";
  return `${time} ${tint(level)} ${String(record.msg ?? "")}${extras.length ? " " + extras.join(" ") : ""}${stack}\n`;
}

/** A pino destination printing readable lines to `out` (default stdout). */
export function prettyStream(out: (text: string) => void = (text) => void process.stdout.write(text)): DestinationStream {
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out(line);
        return;
      }
      out(formatRecord(record));
    },
  };
}
