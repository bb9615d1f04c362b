/**
 * Where JSON log lines go in production: a file descriptor (stdout) or a file, written in
 * batches. Each line is encoded straight into a 64 KiB buffer, handed to pino's sonic-boom
 * writer (buffer mode) once full or every FLUSH_EVERY_MS, so one write(2) carries hundreds of
 * lines. Batching here rather than in sonic-boom's string mode matters: that mode measures
 * the byte length of its whole pending string on every write, which under load cost more per
 * request line than formatting it (docs/operations.md, "Cost").
 */
import { openSync } from "node:fs";
import type { DestinationStream } from "pino";
import { packageRequire } from "../package-require.js";

type SonicBoom = ReturnType<typeof import("pino")["destination"]>;

/** Bytes gathered before a write (at ~150 bytes a request line, a few hundred lines). */
const BATCH_BYTES = 64 * 1024;
/** Longest a line waits (a `tail -f` still sees it at once). */
const FLUSH_EVERY_MS = 50;

export interface BatchedDestination extends DestinationStream {
  write(line: string): boolean;
  /**
   * For a line encoded in place (the request line, request-log.ts): the batch buffer with at
   * least `bytes` free from `filled` (what was gathered is handed on first if needed), or null
   * when `bytes` is more than a batch. Encode from `filled`, then `advance(end)`.
   */
  reserve(bytes: number): Buffer | null;
  readonly filled: number;
  advance(end: number): void;
  /** Writes what is gathered (one write(2)). */
  flush(): void;
  /** Writes everything gathered before returning (process exit). */
  flushSync(): void;
}

const open = new Set<Batched>();
let timer: NodeJS.Timeout | null = null;

class Batched implements BatchedDestination {
  private buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private length = 0;

  constructor(private readonly sink: SonicBoom) {}

  get filled(): number {
    return this.length;
  }

  reserve(bytes: number): Buffer | null {
    if (bytes > BATCH_BYTES - this.length) {
      this.flush();
      if (bytes > BATCH_BYTES) return null;
    }
    return this.buffer;
  }

  advance(end: number): void {
    this.length = end;
  }

  write(line: string): boolean {
    // a UTF-16 unit takes at most 3 bytes in UTF-8: make sure the whole line fits
    if (line.length * 3 > BATCH_BYTES - this.length) {
      this.flush();
      if (line.length * 3 > BATCH_BYTES) {
        this.sink.write(Buffer.from(line) as unknown as string);
        return true;
      }
    }
    this.length += this.buffer.write(line, this.length);
    return true;
  }

  flush(): void {
    if (this.length === 0) return;
    const batch = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(BATCH_BYTES);
    this.length = 0;
    // sonic-boom in buffer mode takes Buffers; its typings only know strings
    this.sink.write(batch as unknown as string);
  }

  flushSync(): void {
    this.flush();
    this.sink.flushSync();
  }
}

export function isBatchedDestination(destination: DestinationStream): destination is BatchedDestination {
  return destination instanceof Batched;
}

/**
 * A batched writer to `dest`: a file descriptor (1 = stdout) or a file path (appended to).
 * Whatever is queued is written synchronously when the process exits.
 */
export function batchedDestination(dest: number | string): BatchedDestination {
  const pino = packageRequire()("pino") as typeof import("pino");
  // a file is opened now, so a line written before exit is never lost to an open still under way
  const fd = typeof dest === "number" ? dest : openSync(dest, "a");
  // Synchronous writes (pino's own default): a batch is one write(2) of up to 64 KiB every few
  // hundred lines, so the event loop barely notices, and no write is ever in flight in the thread
  // pool — an asynchronous one could be overtaken by flushSync's writes at exit (lines out of
  // order) or cut off by the exit itself (lines lost). Measured: no throughput difference.
  const sink = pino.destination({ dest: fd, sync: true, minLength: 0, contentMode: "buffer" });
  let reported = false;
  sink.on("error", (error: Error) => {
    // a closed stdout (EPIPE) must not crash the server; say it once on stderr
    if (!reported) process.stderr.write(`tina4: writing the log failed: ${String(error)}\n`);
    reported = true;
  });
  const batched = new Batched(sink);
  if (open.size === 0) process.once("exit", flushAllSync);
  open.add(batched);
  timer ??= setInterval(flushAll, FLUSH_EVERY_MS).unref();
  return batched;
}

function flushAll(): void {
  for (const destination of open) destination.flush();
}

function flushAllSync(): void {
  for (const destination of open) {
    try {
      destination.flushSync();
    } catch {
      // stdout already closed by the parent: nothing left to write to
    }
  }
}
