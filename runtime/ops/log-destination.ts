/**
 * Where JSON log lines go in production: a file descriptor (stdout) or a file, written in
 * batches. Each line is encoded straight into one 64 KiB buffer, written with one synchronous
 * write(2) once full or every FLUSH_EVERY_MS, so one write carries hundreds of lines; the same
 * buffer is then filled again. Batching here rather than in pino's sonic-boom string mode
 * matters: that mode measures the byte length of its whole pending string on every write, which
 * under load cost more per request line than formatting it (docs/operations.md, "Cost").
 *
 * Written with fs.writeSync rather than through sonic-boom: sonic-boom keeps a written buffer
 * after a failed write (to retry it later), so a batch buffer could not be reused, and a fresh
 * 64 KiB buffer per batch cost more per line than the write itself (cold memory filled, then
 * garbage).
 */
import { openSync, writeSync } from "node:fs";
import type { DestinationStream } from "pino";

/** Bytes gathered before a write (at ~150 bytes a request line, a few hundred lines). */
const BATCH_BYTES = 64 * 1024;
/** Longest a line waits (a `tail -f` still sees it at once). */
const FLUSH_EVERY_MS = 50;
/** Pause before writing again to a non-blocking pipe that is full (EAGAIN). */
const BUSY_WAIT_MS = 10;

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
  private readonly buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private length = 0;
  private reported = false;

  constructor(private readonly fd: number) {}

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
        const bytes = Buffer.from(line);
        this.writeOut(bytes, bytes.length);
        return true;
      }
    }
    this.length += this.buffer.write(line, this.length);
    return true;
  }

  flush(): void {
    const length = this.length;
    if (length === 0) return;
    // emptied first: a batch the destination refused is not written again
    this.length = 0;
    this.writeOut(this.buffer, length);
  }

  flushSync(): void {
    this.flush();
  }

  /** Writes `bytes[0, length)` whole before returning (write(2) may take part of it). */
  private writeOut(bytes: Uint8Array, length: number): void {
    let at = 0;
    while (at < length) {
      try {
        at += writeSync(this.fd, bytes, at, length - at);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN" || code === "EBUSY") {
          // stdout is a non-blocking pipe and its reader is behind: wait for it, lose nothing
          Atomics.wait(pause, 0, 0, BUSY_WAIT_MS);
          continue;
        }
        // a closed stdout (EPIPE) or a full disk must not crash the server: say it once on
        // stderr; the batch is dropped (nothing reads it, or nowhere takes it)
        if (!this.reported) process.stderr.write(`tina4: writing the log failed: ${String(error)}\n`);
        this.reported = true;
        return;
      }
    }
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

export function isBatchedDestination(destination: DestinationStream): destination is BatchedDestination {
  return destination instanceof Batched;
}

/**
 * A batched writer to `dest`: a file descriptor (1 = stdout) or a file path (appended to).
 * Whatever is queued is written synchronously when the process exits.
 */
export function batchedDestination(dest: number | string): BatchedDestination {
  // a file is opened now, so a line written before exit is never lost to an open still under way
  const fd = typeof dest === "number" ? dest : openSync(dest, "a");
  // Synchronous writes (pino's own default): a batch is one write(2) of up to 64 KiB every few
  // hundred lines, so the event loop barely notices, and no write is ever in flight in the thread
  // pool — an asynchronous one could be overtaken by flushSync's writes at exit (lines out of
  // order) or cut off by the exit itself (lines lost). Measured: no throughput difference.
  const batched = new Batched(fd);
  if (open.size === 0) process.once("exit", flushAllSync);
  open.add(batched);
  timer ??= setInterval(flushAll, FLUSH_EVERY_MS).unref();
  return batched;
}

function flushAll(): void {
  for (const destination of open) destination.flush();
}

function flushAllSync(): void {
  // writeOut reports a failed write and returns: one closed destination does not stop the others
  for (const destination of open) destination.flushSync();
}
