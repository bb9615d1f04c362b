import { afterAll, beforeAll } from "vitest";
import { makeApp, type Served } from "../dev/support.js";
import { runCli } from "../support/cli.js";
import type { Client } from "./support.js";

export interface BuiltApp {
  /** The app's folder (set before the first test). */
  readonly dir: string;
  /** Servers the tests started: stopped after the file's tests. */
  readonly running: Served[];
  /** Clients the tests opened: dropped after the file's tests, before the servers stop. */
  readonly clients: Client[];
}

/** A fresh app with `files`, `tina4 build` once before the calling file's tests (for `serve --production`). */
export function useBuiltApp(files: Record<string, string>): BuiltApp {
  let dir = "";
  const running: Served[] = [];
  const clients: Client[] = [];
  beforeAll(() => {
    dir = makeApp(files);
    const built = runCli(["build"], dir);
    if (built.code !== 0) throw new Error(`build failed: ${built.stderr}${built.stdout}`);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return {
    get dir() {
      return dir;
    },
    running,
    clients,
  };
}
