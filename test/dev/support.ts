import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bin, cliEnv, runCli, tempDir } from "../support/cli.js";

/** A fresh app made by `tina4 init --yes`, plus extra files (path → contents). */
export function makeApp(files: Record<string, string> = {}): string {
  const dir = join(tempDir("tina4-serve-"), "app");
  const init = runCli(["init", dir, "--yes"], process.cwd());
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  for (const [path, contents] of Object.entries(files)) writeFile(dir, path, contents);
  return dir;
}

export function writeFile(dir: string, path: string, contents: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), contents);
}

export interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the first match of `pattern` in the output from `from` (an output offset) on. */
  waitFor: (pattern: RegExp, timeoutMs?: number, from?: number) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/** Spawns the real CLI (`bin/tina4 serve --port 0 ...`) and resolves once it prints its URL. */
export async function serve(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", ...args], { cwd: dir, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
    resolve(code);
    for (const waiter of [...waiters]) waiter();
  }));
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const waitFor = (pattern: RegExp, timeoutMs = 15_000, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text.slice(from));
        if (match) {
          done();
          resolve(match);
        } else if (child.exitCode !== null) {
          done();
          reject(new Error(`serve exited (${child.exitCode}) before ${pattern}:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}:\n${text}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const match = await waitFor(/on http:\/\/([\d.:[\]a-z]+):(\d+)/);
  const url = `http://127.0.0.1:${match[2]}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    return exited;
  };
  return { child, url, output: () => text, waitFor, exited, stop };
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function get(url: string, options: { agent?: Agent; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: options.agent, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Polls `url` until `accept(reply)`; a bounded wait for an effect we cannot subscribe to. */
export async function until(url: string, accept: (reply: Reply) => boolean, timeoutMs = 10_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | Error | undefined;
  while (Date.now() < deadline) {
    try {
      last = await get(url);
      if (accept(last)) return last;
    } catch (error) {
      last = error as Error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met for ${url}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

export interface LoadReport {
  ok: number;
  failures: string[];
  bodies: Map<string, number>;
}

/**
 * A keep-alive client loop (`concurrency` sockets) sending at least `minRequests` requests
 * and continuing while `keepGoing()` is true (bounded by `maxMs`). Every network error and
 * every non-200 is a failure.
 */
export async function load(url: string, options: { minRequests: number; concurrency?: number; keepGoing?: () => boolean; maxMs?: number }): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  const report: LoadReport = { ok: 0, failures: [], bodies: new Map() };
  const deadline = Date.now() + (options.maxMs ?? 30_000);
  let sent = 0;
  const lane = async () => {
    while ((sent < options.minRequests || options.keepGoing?.()) && Date.now() < deadline) {
      sent++;
      try {
        const reply = await get(url, { agent });
        if (reply.status === 200) report.ok++;
        else report.failures.push(`${reply.status} ${reply.body.slice(0, 200)}`);
        report.bodies.set(reply.body, (report.bodies.get(reply.body) ?? 0) + 1);
      } catch (error) {
        report.failures.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane));
  agent.destroy();
  return report;
}

export interface FreshConnectionReport {
  /** Requests sent. */
  total: number;
  /** Requests answered with a complete 200 response within the deadline. */
  answered: number;
  failures: string[];
  bodies: Map<string, number>;
}

/**
 * Like a browser or `curl` without keep-alive: every request opens a NEW connection
 * (`agent: false`, `Connection: close`). A request with no complete answer within
 * `deadlineMs` is destroyed and counted as a failure, as is any error or non-200.
 * Lanes run while `keepGoing()` is true, bounded by `maxMs`.
 */
export async function freshConnectionLoad(url: string, options: { clients: number; keepGoing: () => boolean; deadlineMs?: number; maxMs?: number }): Promise<FreshConnectionReport> {
  const deadlineMs = options.deadlineMs ?? 2_000;
  const stopAt = Date.now() + (options.maxMs ?? 120_000);
  const report: FreshConnectionReport = { total: 0, answered: 0, failures: [], bodies: new Map() };
  const once = () =>
    new Promise<void>((resolve) => {
      report.total++;
      const started = Date.now();
      let settled = false;
      const settle = (failure: string | null, body?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure) report.failures.push(failure);
        else {
          report.answered++;
          report.bodies.set(body!, (report.bodies.get(body!) ?? 0) + 1);
        }
        resolve();
      };
      const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          settle(res.statusCode === 200 ? null : `${res.statusCode} ${body.slice(0, 200)}`, body);
        });
        res.on("error", (error) => settle(`response error: ${error.message}`));
      });
      // A hard deadline (not an idle timeout): a connection the server accepted but never
      // answers must count as a failure, not stall the lane.
      const timer = setTimeout(() => {
        settle(`no answer within ${deadlineMs} ms (request ${report.total}, sent at +${started % 100_000} ms)`);
        req.destroy();
      }, deadlineMs);
      req.on("error", (error) => settle(`request error: ${error.message}`));
      req.end();
    });
  const lane = async () => {
    while (options.keepGoing() && Date.now() < stopAt) await once();
  };
  await Promise.all(Array.from({ length: options.clients }, lane));
  return report;
}
