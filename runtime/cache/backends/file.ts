/**
 * One file per entry under `<dir>/<namespace>/<sha256(key)>.c`. Writes go to a temp file in
 * the same folder and are renamed into place, so a reader sees the old entry or the new one,
 * never half of one. A file that does not parse (corrupt, truncated, foreign) is a miss and
 * is removed. Each file:
 *
 *   T4C1 <expiresEpochMs|0> <keyBytes> <valueBytes>\n<key>\n<value JSON>
 *
 * The byte counts let a truncated file be detected even when the cut leaves valid JSON.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CacheStore } from "../backend.js";
import { warnEvery } from "../../log.js";

const MAGIC = "T4C1";
const SUFFIX = ".c";

export interface FileStoreOptions {
  namespace: string;
  /** Root folder (TINA4_CACHE_DIR, data/cache); each namespace gets a subfolder. */
  dir: string;
  /** Least time between two sweeps of expired files (default 60 s; the first write sweeps). */
  sweepIntervalMs?: number;
}

const SWEEP_INTERVAL_MS = 60_000;

interface Parsed {
  key: string;
  expires: number;
  value: string;
}

function parseHeader(line: string): { expires: number; keyBytes: number; valueBytes: number } | undefined {
  const parts = line.split(" ");
  if (parts.length !== 4 || parts[0] !== MAGIC) return undefined;
  const [expires, keyBytes, valueBytes] = parts.slice(1).map(Number) as [number, number, number];
  if (![expires, keyBytes, valueBytes].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { expires, keyBytes, valueBytes };
}

function parseEntry(buffer: Buffer): Parsed | undefined {
  const nl = buffer.indexOf(10);
  if (nl < 0 || nl > 80) return undefined;
  const header = parseHeader(buffer.toString("latin1", 0, nl));
  if (!header) return undefined;
  const keyStart = nl + 1;
  const keyEnd = keyStart + header.keyBytes;
  if (buffer.length !== keyEnd + 1 + header.valueBytes || buffer[keyEnd] !== 10) return undefined;
  return {
    key: buffer.toString("utf8", keyStart, keyEnd),
    expires: header.expires,
    value: buffer.toString("utf8", keyEnd + 1),
  };
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

export class FileStore implements CacheStore {
  readonly backend = "file" as const;
  readonly namespace: string;
  readonly directory: string;
  #root: string;
  #ready = false;
  /** The last pending increment per key (incr runs them one after another). */
  #counting = new Map<string, Promise<number>>();
  /**
   * get() removes an expired file only when its key is read again; keys nobody reads again (the
   * session of every visitor who left, every bot that loaded the login page) would stay on disk
   * for ever. So a write sweeps the folder now and then, in the background (size() removes
   * expired and unreadable files), as PHP and Laravel collect old session files.
   */
  #sweepInterval: number;
  #lastSweep = Number.NEGATIVE_INFINITY;
  #sweeping: Promise<void> | null = null;

  constructor(options: FileStoreOptions) {
    this.#sweepInterval = options.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
    this.namespace = options.namespace;
    this.#root = options.dir;
    this.directory = join(options.dir, options.namespace);
  }

  /** The file that holds `key` (exposed for tests and tooling). */
  pathFor(key: string): string {
    return join(this.directory, createHash("sha256").update(key).digest("hex") + SUFFIX);
  }

  async get(key: string): Promise<string | undefined> {
    const path = this.pathFor(key);
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const entry = parseEntry(buffer);
    if (!entry || entry.key !== key) {
      // corrupt or truncated (a foreign key under our hash is treated the same: not ours to trust)
      if (!entry) await unlink(path).catch(() => undefined);
      return undefined;
    }
    if (entry.expires !== 0 && entry.expires <= Date.now()) {
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, text: string, ttlMs: number): Promise<void> {
    await this.#write(key, text, ttlMs > 0 ? Date.now() + ttlMs : 0);
  }

  /**
   * Read, add one, write — serialised per key within this process (increments from other
   * processes sharing the folder can be lost: the file backend counts per machine at best).
   */
  incr(key: string, ttlMs: number): Promise<number> {
    const previous = this.#counting.get(key) ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(async () => {
      let entry: Parsed | undefined;
      try {
        entry = parseEntry(await readFile(this.pathFor(key)));
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      const now = Date.now();
      const live = entry !== undefined && entry.key === key && (entry.expires === 0 || entry.expires > now) ? Number(entry.value) : Number.NaN;
      const count = Number.isSafeInteger(live) ? live + 1 : 1;
      await this.#write(key, String(count), count === 1 ? (ttlMs > 0 ? now + ttlMs : 0) : entry!.expires);
      return count;
    });
    this.#counting.set(key, next);
    void next.finally(() => {
      if (this.#counting.get(key) === next) this.#counting.delete(key);
    }).catch(() => undefined);
    return next;
  }

  async #write(key: string, text: string, expires: number): Promise<void> {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(text);
    const data = `${MAGIC} ${expires} ${keyBytes} ${valueBytes}\n${key}\n${text}`;
    const path = this.pathFor(key);
    const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    // a concurrent clear() can move the folder away at any step: recreate it and retry
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.#ready) await this.#ensureDir();
        await writeFile(temp, data);
        break;
      } catch (error) {
        if (!isMissing(error) || attempt >= 3) throw error;
        this.#ready = false;
      }
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      // the folder was moved aside by clear() after our write: the entry was cleared with it
      if (!isMissing(error)) throw error;
    }
    this.#maybeSweep();
  }

  #maybeSweep(): void {
    const now = Date.now();
    if (this.#sweeping !== null || now - this.#lastSweep < this.#sweepInterval) return;
    this.#lastSweep = now;
    this.#sweeping = this.size().then(
      () => undefined,
      (error: Error) => warnEvery(`file-cache-sweep:${this.directory}`, `could not remove expired cache files in ${this.directory}: ${error.message}`, 3_600_000),
    ).finally(() => {
      this.#sweeping = null;
    });
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.pathFor(key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async clear(): Promise<void> {
    // move the folder aside first so concurrent writers start a fresh one, then delete it
    const trash = join(this.#root, `.${this.namespace}.${process.pid}.${randomBytes(6).toString("hex")}.trash`);
    try {
      await rename(this.directory, trash);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    this.#ready = false;
    await rm(trash, { recursive: true, force: true });
  }

  /** Counts live entries; removes expired and unreadable files on the way. */
  async size(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    const now = Date.now();
    let count = 0;
    const head = Buffer.alloc(96);
    for (const name of names) {
      if (!name.endsWith(SUFFIX)) continue;
      const path = join(this.directory, name);
      let line: string | undefined;
      try {
        const handle = await open(path, "r");
        try {
          const { bytesRead } = await handle.read(head, 0, head.length, 0);
          const nl = head.subarray(0, bytesRead).indexOf(10);
          if (nl > 0) line = head.toString("latin1", 0, nl);
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      const header = line === undefined ? undefined : parseHeader(line);
      if (!header || (header.expires !== 0 && header.expires <= now)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      count++;
    }
    return count;
  }

  /** Waits for a sweep in progress (nothing else is open). */
  async close(): Promise<void> {
    await this.#sweeping;
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    this.#ready = true;
  }
}
