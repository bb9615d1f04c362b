import { builtin, type MiddlewareFunction } from "./types.js";

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
  requestId: string;
  ip: string;
}

export interface RequestLoggerOptions {
  /** Where each line goes; default one line on stdout. */
  write?: (line: string, entry: RequestLogEntry) => void;
}

/** Logs one line per request once the response status is known, including failures. */
export function requestLogger(options: RequestLoggerOptions = {}): MiddlewareFunction {
  const write = options.write ?? ((line: string) => process.stdout.write(line + "\n"));
  return builtin("requestLogger", async function (req, res, next) {
    const started = process.hrtime.bigint();
    let status = 500;
    try {
      await next();
      status = res.statusCode;
    } finally {
      const entry: RequestLogEntry = {
        method: req.method,
        path: req.path,
        status,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        requestId: req.requestId,
        ip: req.ip,
      };
      write(`${entry.method} ${entry.path} ${entry.status} ${entry.ms.toFixed(1)}ms ${entry.requestId}`, entry);
    }
  });
}
