import type { Stats } from "node:fs";
import { Readable } from "node:stream";
import { HttpError, HttpErrorCode } from "./errors.js";
import { fileEtag, sameFile } from "./file-basis.js";
import { FileBytes, openFile } from "./file-bytes.js";
import type { Request } from "./request.js";
import type { HeaderValue, Response } from "./response.js";

/**
 * What a `Range` header asks of a file `size` bytes long (RFC 9110 §14.2):
 * - `whole`: answer 200 with the whole file (no Range, a malformed one, a unit other than
 *   `bytes`, several ranges — docs/decisions.md, "Byte ranges");
 * - `slice`: answer 206 with bytes `start`..`end` (both included);
 * - `unsatisfiable`: answer 416 (the range starts at or beyond the end of the file).
 */
export type RangeAsk = { kind: "whole" } | { kind: "slice"; start: number; end: number } | { kind: "unsatisfiable" };

const WHOLE: RangeAsk = { kind: "whole" };
const UNSATISFIABLE: RangeAsk = { kind: "unsatisfiable" };
/** `first-pos "-" [last-pos]` or `"-" suffix-length`, digits only (RFC 9110 §14.1.2). */
const RANGE_SPEC = /^(\d*)-(\d*)$/;

export function parseRange(header: string, size: number): RangeAsk {
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return WHOLE;
  const set = header.slice(eq + 1).trim();
  // Several ranges (or a list at all) get the whole file: no multipart/byteranges, so a
  // thousand tiny or overlapping ranges cost no more than one plain GET.
  if (set.includes(",")) return WHOLE;
  const spec = RANGE_SPEC.exec(set);
  if (!spec) return WHOLE;
  const [, first, last] = spec as unknown as [string, string, string];
  if (first === "") {
    if (last === "") return WHOLE; // "bytes=-"
    const suffix = Number(last);
    if (suffix === 0) return UNSATISFIABLE; // §14.1.1: a zero-length suffix selects nothing
    // An empty file has no byte to name in Content-Range: its (empty) whole answers.
    if (size === 0) return WHOLE;
    return { kind: "slice", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Number(last);
  if (end < start && last !== "") return WHOLE; // an invalid range-spec: ignored, not refused
  if (start >= size) return UNSATISFIABLE;
  return { kind: "slice", start, end: Math.min(end, size - 1) };
}

/** The file being answered: its path and what stat said of it. */
export interface RangedFile {
  readonly path: string;
  readonly stats: Stats;
}

/**
 * `If-Range` (RFC 9110 §13.1.5): the range applies only if the client's validator still
 * names this file. An entity tag must equal the response's ETag exactly: a strong one, or
 * the size-and-mtime tag tina4 made for this very file (a weak tag someone else chose
 * never matches). A date must equal Last-Modified, and only counts once the file is a
 * second old (a second write within the same second would keep that date).
 */
export function ifRangeHolds(ifRange: string | string[] | undefined, res: Response, file: RangedFile): boolean {
  if (ifRange === undefined) return true;
  const value = (headerText(ifRange) ?? "").trim();
  const etag = headerText(res.headers.etag);
  if (value.startsWith('"') || value.startsWith("W/")) {
    if (etag === undefined || value !== etag) return false;
    return !etag.startsWith("W/") || etag === fileEtag(file.stats);
  }
  const lastModified = headerText(res.headers["last-modified"]);
  if (lastModified === undefined) return false;
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Date.parse(lastModified) && Date.now() - file.stats.mtimeMs >= 1000;
}

/**
 * Answers with a file, honouring `Range` — the one implementation behind `public/` files and
 * `res.file()`. Always `Accept-Ranges: bytes`. A GET whose `Range` is one satisfiable byte
 * range (and whose `If-Range`, if any, holds) gets 206 with `Content-Range: bytes a-b/size`
 * and exactly those bytes; one starting beyond the end gets 416 with `Content-Range:
 * bytes *\/size` (an HttpError, rendered like every other error); anything else, the whole
 * file with its Content-Length. HEAD and other methods ignore Range (§14.2: range handling
 * is defined for GET only). Conditional requests (If-None-Match → 304) are decided before.
 * A 206 always carries `Content-Range`: compress() and the dev live-reload client leave
 * such responses alone.
 */
export function sendFile(req: Request, res: Response, file: RangedFile): void {
  const size = file.stats.size;
  res.header("accept-ranges", "bytes");
  const range = req.headers.range;
  const ask = range !== undefined && req.method === "GET" && ifRangeHolds(req.headers["if-range"], res, file) ? parseRange(range, size) : WHOLE;
  if (ask.kind === "unsatisfiable") {
    res.header("content-range", `bytes */${size}`);
    throw new HttpError(416, "Range Not Satisfiable");
  }
  if (ask.kind === "whole") {
    res.header("content-length", size);
    // commit checks the file it opens against this stat, and rebuilds these headers if it changed
    res.payload = { kind: "file", path: file.path, basis: file.stats };
    return;
  }
  res.status(206);
  res.header("content-range", `bytes ${ask.start}-${ask.end}/${size}`);
  res.header("content-length", ask.end - ask.start + 1);
  res.stream(fileSlice(file, ask.start, ask.end));
}

/**
 * Bytes `start`..`end` of a file, opened only when the body is first read: a response whose
 * body is replaced later (an after-hook, an error) never holds a file descriptor. The 206's
 * headers are on their way by then, so a file that changed since its stat (fstat of the
 * descriptor read from) is an error, and commit cuts the connection: those bytes are not the
 * ones Content-Range and the ETag named, and a client splicing them into the copy it resumes
 * would keep a mix of two versions. Asked again, it gets the current file (with its old
 * validator in If-Range: the whole file as a 200). One that changes after the fstat is read
 * no further than `end`, and cut if it ends before (FileBytes).
 */
function fileSlice(file: RangedFile, start: number, end: number): Readable {
  return Readable.from(
    (async function* () {
      const opened = await openFile(file.path);
      const bytes = new FileBytes(opened.fd, start, end);
      if (!sameFile(file.stats, opened.stats)) {
        bytes.destroy();
        throw new HttpError(500, `${file.path} changed since its range was announced`, { code: HttpErrorCode.FILE_CHANGED });
      }
      yield* bytes;
    })(),
    { objectMode: false },
  );
}

function headerText(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : String(value);
}
