import { afterEach, beforeEach } from "vitest";
import type { App } from "../../runtime/app.js";
import { listen as listenOn, type RunningServer } from "../../runtime/http/server.js";
import { configureLogger } from "../../runtime/ops/logger.js";

export interface LogCapture {
  /** Where the lines go: pass it to a test's own configureLogger() call to keep capturing. */
  destination: { write(line: string): void };
  /** The JSON lines the logger wrote during the current test. */
  lines(): string[];
  /** Those lines parsed. */
  records<T = Record<string, unknown>>(): T[];
  /** Serves `app` on a free loopback port; the server is closed after the test. */
  listen(app: App): Promise<RunningServer>;
}

/**
 * Before each test the logger writes JSON at level info into a fresh array; after it the
 * server the test listened on closes and the logger goes back to its defaults.
 */
export function captureLog(): LogCapture {
  let lines: string[] = [];
  let server: RunningServer | null = null;
  const destination = { write: (line: string) => void lines.push(line) };
  beforeEach(() => {
    lines = [];
    configureLogger({ format: "json", level: "info", destination });
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    configureLogger();
  });
  return {
    destination,
    lines: () => lines,
    records: <T = Record<string, unknown>>() => lines.map((line) => JSON.parse(line) as T),
    listen: async (app) => (server = await listenOn(app, { port: 0, host: "127.0.0.1" })),
  };
}
