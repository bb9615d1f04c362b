import { close, read, type Stats } from "node:fs";
import { log } from "../log.js";
import { rebaseFileHeaders, sameFile } from "./file-basis.js";
import { openFile, type OpenFile } from "./file-bytes.js";
import type { HeaderValue, ResponseBody } from "./response.js";

/**
 * For send hooks that send a `res.file()` body themselves (compress() encodes it, responseCache()
 * keeps it): the file opened and fstat'ed once, as commit opens it, so the bytes they send are
 * the ones the headers describe. Reading it again by path (stat, then readFile) could send a
 * file rewritten in between under the validators of the one before (test/middleware/file-changes).
 */

type FilePayload = Extract<ResponseBody, { kind: "file" }>;

/**
 * The answer's regular file, opened; null when it cannot be opened or is not a regular file (a
 * directory, a pipe, a device): commit then answers as for any file (404, or the pipe as it
 * comes) and nothing is left open.
 */
export async function openRegularFile(path: string): Promise<OpenFile | null> {
  const file = await openFile(path).catch(() => null);
  if (file === null) return null;
  if (file.stats.isFile()) return file;
  release(file);
  return null;
}

/**
 * Makes the headers describe the version of the file that is sent (`stats`: the fstat of the
 * descriptor it was read from, or the stat an encoded copy of that very version was found by)
 * rather than the stat they were made from (the payload's basis), as commit does for the files
 * it sends: Content-Length, tina4's ETag and Last-Modified, no immutable (file-basis.ts).
 */
export function describeVersion(headers: Record<string, HeaderValue>, payload: FilePayload, stats: Stats): void {
  if (payload.basis && !sameFile(payload.basis, stats)) rebaseFileHeaders(headers, payload.basis, stats);
}

/**
 * All of the opened file, from its descriptor, which is closed after. Null when it did not hold
 * exactly the size its fstat said (it changed while read): the caller then leaves the answer to
 * commit, which opens the file as it is by then and checks it again.
 */
export function readOpened(file: OpenFile): Promise<Buffer | null> {
  const size = file.stats.size;
  // one byte more than announced: finding it means the file grew since its fstat
  const buffer = Buffer.allocUnsafe(size + 1);
  return new Promise((resolve, reject) => {
    const next = (filled: number) => {
      read(file.fd, buffer, filled, buffer.length - filled, filled, (error, count) => {
        if (error) {
          release(file);
          return reject(error);
        }
        if (count > 0 && filled + count < buffer.length) return next(filled + count);
        release(file);
        const total = filled + count;
        resolve(total === size ? buffer.subarray(0, size) : null);
      });
    };
    next(0);
  });
}

/** Closes a descriptor nobody reads from any more. */
export function release(file: OpenFile): void {
  close(file.fd, (error) => {
    if (error) log.warn(`could not close a file descriptor (${file.fd}): ${error.message}`);
  });
}
