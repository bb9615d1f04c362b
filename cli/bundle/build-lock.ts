/**
 * One build of `<app>/dist` at a time, across processes: two `serve --production` started
 * together in one folder (or a `tina4 build` beside them) would otherwise write the same files
 * at once, and one instance's workers could boot from a dist/ the other is half-way through
 * rewriting. The lock is a file created exclusively (`wx`) in dist/; its holder refreshes its
 * mtime while it builds, so a holder that died (SIGKILL, power loss) is taken over instead of
 * waited on forever.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** The lock's name inside dist/ (`tina4 build --clean` keeps it). */
export const BUILD_LOCK_FILE = ".build.lock";

/** How often the holder refreshes the lock, and how old a lock is when its holder is taken for dead. */
const HEARTBEAT_MS = 2_000;
const ABANDONED_MS = 20_000;
const POLL_MS = 100;

interface Holder {
  pid: number;
  host: string;
}

/** Who holds the lock at `file` and whether they are gone; null when there is no lock (any more). */
function inspect(file: string): { holder: Holder | null; abandoned: boolean; ino: number } | null {
  let text: string;
  let mtimeMs: number;
  let ino: number;
  try {
    ({ mtimeMs, ino } = statSync(file));
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let holder: Holder | null = null;
  try {
    holder = JSON.parse(text) as Holder;
  } catch {
    // written but not yet filled in: judged by its age alone
  }
  if (Date.now() - mtimeMs > ABANDONED_MS) return { holder, abandoned: true, ino };
  return { holder, abandoned: holder !== null && holder.host === hostname() && !alive(holder.pid), ino };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/** Creates the lock; false when another process holds it. */
function tryAcquire(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() } satisfies Holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Moves the abandoned lock `ino` aside (rename is atomic: of two waiters taking it over, one
 * wins). If what it moved is not that lock (another waiter broke it and took a new one in
 * between), it puts the new one back: link, unlike rename, never replaces an existing file.
 */
function breakAbandoned(file: string, ino: number): void {
  const aside = `${file}.${process.pid}.abandoned`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // another waiter was first
    throw error;
  }
  try {
    if (statSync(aside).ino !== ino) linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Runs `build` holding the dist/ lock of the app at `root`. When another process holds it,
 * calls `onWait` once (with who holds it) and waits until it is released or abandoned.
 */
export async function withBuildLock<T>(root: string, onWait: (holder: string) => void, build: () => Promise<T>): Promise<T> {
  const dist = join(root, "dist");
  const file = join(dist, BUILD_LOCK_FILE);
  let told = false;
  for (;;) {
    mkdirSync(dist, { recursive: true }); // again on each try: `build --clean` may remove dist/ between two
    if (tryAcquire(file)) break;
    const state = inspect(file);
    if (state?.abandoned) {
      breakAbandoned(file, state.ino);
      continue;
    }
    if (state && !told) {
      told = true;
      onWait(state.holder ? `pid ${state.holder.pid}${state.holder.host === hostname() ? "" : ` on ${state.holder.host}`}` : "another process");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // gone (a `build --clean` elsewhere removed dist/): nothing left to keep fresh
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await build();
  } finally {
    clearInterval(heartbeat);
    rmSync(file, { force: true });
  }
}
