import { close, fstat, open, read, type Stats } from "node:fs";
import { Readable } from "node:stream";
import { HttpError, HttpErrorCode } from "./errors.js";

/** A file opened for a response's body, and what fstat said of that very descriptor. */
export interface OpenFile {
  readonly fd: number;
  readonly stats: Stats;
}

/**
 * Opens `path` and fstats the descriptor: the size and modification time the body will be
 * read from, whatever happens to the path afterwards (a deploy renaming a new file over it).
 * One syscall more than opening alone. The caller owns the descriptor (FileBytes closes it).
 */
export function openFile(path: string): Promise<OpenFile> {
  return new Promise((resolve, reject) => {
    open(path, "r", (openError, fd) => {
      if (openError) return reject(openError);
      fstat(fd, (statError, stats) => {
        if (statError) return close(fd, () => reject(statError));
        resolve({ fd, stats });
      });
    });
  });
}

const CHUNK = 64 * 1024;

/**
 * Bytes `start`..`end` (both included; none when `end < start`, and up to the end of the file
 * when `end` is Infinity) read from an open descriptor, which is closed when the stream ends or
 * is destroyed (after a read in flight, never under it). The file can still change after its
 * fstat: one grown is read no further than `end` (the tail would be parsed as the connection's
 * next response); one that ends before `end` is an error (FILE_SHRUNK), never a short end, so
 * whoever pipes it cuts the connection instead of leaving a keep-alive client waiting for the
 * missing bytes of a Content-Length already sent.
 */
export class FileBytes extends Readable {
  /** Bytes read so far. */
  bytesRead = 0;
  private position: number;
  private readonly sequential: boolean;
  private remaining: number;
  private reading = false;
  private closeAfterRead: (() => void) | null = null;

  constructor(
    private readonly fd: number,
    start: number,
    end: number,
  ) {
    super({ highWaterMark: CHUNK });
    this.position = start;
    this.sequential = start === 0;
    this.remaining = Math.max(0, end - start + 1);
  }

  override _read(size: number): void {
    if (this.remaining === 0) {
      this.push(null);
      return;
    }
    const wanted = Math.min(Math.max(size, CHUNK), this.remaining);
    const buffer = Buffer.allocUnsafe(wanted);
    this.reading = true;
    // from the start, read on from the descriptor's own offset (a fresh one is at 0): that also
    // works for a pipe or a device given to res.file(), which cannot be read at a position
    read(this.fd, buffer, 0, wanted, this.sequential ? null : this.position, (error, count) => {
      this.reading = false;
      if (this.closeAfterRead) return this.closeAfterRead();
      if (error) return void this.destroy(error);
      if (count === 0) {
        if (Number.isFinite(this.remaining)) {
          this.destroy(new HttpError(500, `the file ended ${this.remaining} bytes before the length announced for it`, { code: HttpErrorCode.FILE_SHRUNK }));
        } else this.push(null);
        return;
      }
      this.bytesRead += count;
      this.position += count;
      this.remaining -= count;
      this.push(count < wanted ? buffer.subarray(0, count) : buffer);
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const done = () => close(this.fd, (closeError) => callback(error ?? closeError));
    if (this.reading) this.closeAfterRead = done;
    else done();
  }
}
