import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { negotiateEncoding } from "../http/accept-encoding.js";
import { isCompressible, mediaType } from "../http/compressible.js";
import { FileBytes } from "../http/file-bytes.js";
import { describeVersion, openRegularFile, readOpened, release } from "../http/file-read.js";
import { addSendHook, type OnSendHook } from "../http/hooks.js";
import type { Request } from "../http/request.js";
import type { HeaderValue, Response, ResponseBody } from "../http/response.js";
import { withVary } from "../http/vary.js";
import { EncodedFiles } from "./encoded-files.js";
import { MiddlewareError, MiddlewareErrorCode } from "./errors.js";
import { builtin, type MiddlewareFunction } from "./types.js";

export type CompressEncoding = "br" | "gzip";

export interface CompressOptions {
  /** Bodies smaller than this many bytes are sent as they are (default 1024). */
  threshold?: number;
  /** Codings offered, in the server's order of preference (default ["br", "gzip"]). */
  encodings?: readonly CompressEncoding[];
  /** Brotli quality 0-11 (default 4: about gzip -6's size for less CPU; docs/decisions.md). */
  brotliQuality?: number;
  /** gzip level 1-9 (default 6). */
  gzipLevel?: number;
  /**
   * Compress `res.stream()` bodies too, flushing after every chunk so each still reaches the
   * client at once (default true). Event streams and `no-transform` responses never are.
   */
  streams?: boolean;
}

/** Bodies from this size are compressed on libuv's thread pool instead of the event loop. */
const ASYNC_FROM = 128 * 1024;
const FILE_SUFFIX: Record<CompressEncoding, string> = { br: ".br", gzip: ".gz" };
/** Files up to this size are read whole and their encoded copies kept (EncodedFiles); larger ones are encoded as streamed. */
const CACHED_FILE_MAX = 1024 * 1024;
/** Encoded file copies kept per compress(), in bytes. */
const FILE_CACHE_BYTES = 16 * 1024 * 1024;

let htmlStaysIdentity = false;
/**
 * `tina4 serve` (dev) adds the live-reload client to HTML pages after every other onSend hook;
 * it cannot go into a compressed page, so the dev worker asks for HTML to stay uncompressed.
 */
export function keepHtmlUncompressed(on = true): void {
  htmlStaysIdentity = on;
}

/**
 * Compresses responses with brotli or gzip (node:zlib) as the client's Accept-Encoding asks,
 * adding `Vary: Accept-Encoding`. It works on the payload as finally sent (an onSend hook of
 * the response, added once the rest of the chain is done), so middleware inside it see and
 * store the identity body: responseCache() keeps plain bytes and a hit is compressed as each
 * client asks (once per coding: the encoded copy is reused). Left alone: bodies under
 * `threshold` (unless the client refused identity), types that do not shrink (images, video,
 * archives, woff2...), responses already encoded, with a Content-Range, or marked
 * `Cache-Control: no-transform`, event streams, HEAD, 1xx/204/206/304, and bodies a handler
 * writes to `res.raw` itself (they never pass onSend). docs/compression.md.
 */
export function compress(options: CompressOptions = {}): MiddlewareFunction {
  const encoder = new Encoder(checked(options));
  const hook: OnSendHook = (req, res, payload) => encoder.encode(req, res, payload);
  const after = (res: Response) => addSendHook(res, hook);
  return builtin("compress", function (_req, res, next) {
    // added after the chain: hooks added inside it (responseCache's capture) run first
    return next().then(
      () => after(res),
      (error: unknown) => {
        after(res); // the error response is compressed too
        throw error;
      },
    );
  });
}

interface Settings {
  readonly threshold: number;
  readonly encodings: readonly CompressEncoding[];
  readonly brotliQuality: number;
  readonly gzipLevel: number;
  readonly streams: boolean;
}

function checked(options: CompressOptions): Settings {
  const fail = (message: string): never => {
    throw new MiddlewareError(MiddlewareErrorCode.COMPRESS_OPTIONS, `compress(): ${message}`);
  };
  const threshold = options.threshold ?? 1024;
  if (!Number.isInteger(threshold) || threshold < 0) fail(`threshold must be a whole number of bytes >= 0, got ${String(threshold)}`);
  const brotliQuality = options.brotliQuality ?? 4;
  if (!Number.isInteger(brotliQuality) || brotliQuality < 0 || brotliQuality > 11) fail(`brotliQuality must be an integer from 0 to 11, got ${String(brotliQuality)}`);
  const gzipLevel = options.gzipLevel ?? 6;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) fail(`gzipLevel must be an integer from 1 to 9, got ${String(gzipLevel)}`);
  const encodings = options.encodings ?? ["br", "gzip"];
  if (!Array.isArray(encodings) || encodings.length === 0 || encodings.some((e) => e !== "br" && e !== "gzip")) {
    fail(`encodings must list "br" and/or "gzip", got ${JSON.stringify(encodings)}`);
  }
  return { threshold, encodings: [...new Set(encodings)], brotliQuality, gzipLevel, streams: options.streams ?? true };
}

class Encoder {
  /**
   * Encoded copies of Buffer bodies, for bodies sent many times (responseCache hits share one
   * Buffer per entry): a hit is compressed once per coding, not once per request.
   */
  private readonly memo = new WeakMap<Buffer, Partial<Record<CompressEncoding, Buffer>>>();
  private readonly brotliAsync = promisify(zlib.brotliCompress);
  private readonly gzipAsync = promisify(zlib.gzip);
  private readonly files = new EncodedFiles(FILE_CACHE_BYTES);

  constructor(private readonly settings: Settings) {}

  encode(req: Request, res: Response, payload: ResponseBody): ResponseBody | Promise<ResponseBody | void> | void {
    if (payload.kind === "none") return this.notModified(res);
    if (!this.eligible(res)) return;
    if (payload.kind === "stream" && !this.settings.streams) return;
    const headers = res.headers;
    // from here the representation depends on Accept-Encoding, whatever this client gets
    headers.vary = withVary(headers.vary, "Accept-Encoding");
    if (req.method === "HEAD") return;
    const choice = negotiateEncoding(req.headers["accept-encoding"], this.settings.encodings);
    const coding = choice.coding as CompressEncoding | null;
    if (coding === null) return;
    const small = (size: number) => size < this.settings.threshold && choice.identityAcceptable;
    switch (payload.kind) {
      case "data": {
        const data = payload.data;
        if (small(typeof data === "string" ? Buffer.byteLength(data) : data.length)) return;
        const encoded = this.encodeData(data, coding);
        if (Buffer.isBuffer(encoded)) return this.sent(res, coding, { kind: "data", data: encoded });
        return encoded.then((buffer) => this.sent(res, coding, { kind: "data", data: buffer }));
      }
      case "stream": {
        const length = Number(headers["content-length"]);
        if (Number.isFinite(length) && small(length)) return;
        return this.sent(res, coding, { kind: "stream", stream: this.encodeStream(payload.stream, coding, true) });
      }
      case "file":
        return this.encodeFile(res, payload, coding, small).then((file) => {
          if (!file) return;
          const body = this.sent(res, coding, file.body);
          if (file.length !== undefined) headers["content-length"] = file.length;
          return body;
        });
    }
  }

  /** Whether this response may be encoded at all (before looking at the client). */
  private eligible(res: Response): boolean {
    const status = res.statusCode;
    // 206: a byte range names identity bytes (the whole file's 200 is encoded, without Accept-Ranges)
    if (status < 200 || status === 204 || status === 206 || status === 304) return false;
    const headers = res.headers;
    // any Content-Range (a 416's too) speaks of identity bytes: byte-range.ts relies on it
    if (headers["content-range"] !== undefined) return false;
    const encoding = headers["content-encoding"];
    if (encoding !== undefined && String(encoding).trim().toLowerCase() !== "identity") return false;
    const type = headers["content-type"];
    if (!isCompressible(type)) return false;
    if (htmlStaysIdentity && mediaType(type) === "text/html") return false;
    return !noTransform(headers["cache-control"]);
  }

  /**
   * A 304 carries the Vary its 200 would have (RFC 9110 §15.4.5). It names no type (etag()
   * and public files drop it), so any 304 not marked no-transform gets Vary: Accept-Encoding
   * unless its type says it never varies.
   */
  private notModified(res: Response): void {
    if (res.statusCode !== 304) return;
    const headers = res.headers;
    const type = headers["content-type"];
    if (type !== undefined && !isCompressible(type)) return;
    if (noTransform(headers["cache-control"])) return;
    headers.vary = withVary(headers.vary, "Accept-Encoding");
  }

  /** Headers of the encoded representation; the body to send. */
  private sent(res: Response, coding: CompressEncoding, body: ResponseBody): ResponseBody {
    const headers = res.headers;
    headers["content-encoding"] = coding;
    delete headers["content-length"];
    // byte ranges are served of the identity file (206 is never encoded): not of these bytes
    delete headers["accept-ranges"];
    // RFC 9110 §8.8.3: a strong tag names these exact bytes; the encoded ones are only equivalent
    const etag = headers.etag;
    if (typeof etag === "string" && etag.startsWith('"')) headers.etag = `W/${etag}`;
    return body;
  }

  private encodeData(data: string | Buffer, coding: CompressEncoding): Buffer | Promise<Buffer> {
    const input = typeof data === "string" ? Buffer.from(data) : data;
    const memo = typeof data === "string" ? undefined : this.memo.get(data);
    const known = memo?.[coding];
    if (known) return known;
    const remember = (out: Buffer): Buffer => {
      if (typeof data !== "string") {
        if (memo) memo[coding] = out;
        else this.memo.set(data, { [coding]: out });
      }
      return out;
    };
    if (input.length >= ASYNC_FROM) {
      return (coding === "br" ? this.brotliAsync(input, this.brotliOptions(input.length)) : this.gzipAsync(input, { level: this.settings.gzipLevel })).then(remember);
    }
    return remember(coding === "br" ? zlib.brotliCompressSync(input, this.brotliOptions(input.length)) : zlib.gzipSync(input, { level: this.settings.gzipLevel }));
  }

  private brotliOptions(size: number, flush?: number): zlib.BrotliOptions {
    const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: this.settings.brotliQuality };
    if (size > 0) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
    return flush === undefined ? { params } : { params, flush };
  }

  /**
   * The stream encoded on its way. `progressive`: every chunk the source produces is flushed
   * through the encoder at once (a sync flush costs a few bytes per chunk, and keeps a
   * streamed page or log arriving as it is made instead of in 16 KiB bursts).
   */
  private encodeStream(source: Readable, coding: CompressEncoding, progressive: boolean, size = 0): Readable {
    const encoder =
      coding === "br"
        ? zlib.createBrotliCompress(this.brotliOptions(size, progressive ? zlib.constants.BROTLI_OPERATION_FLUSH : undefined))
        : zlib.createGzip(progressive ? { level: this.settings.gzipLevel, flush: zlib.constants.Z_SYNC_FLUSH } : { level: this.settings.gzipLevel });
    pipeline(source, encoder, () => undefined); // an error cuts the response, as an unencoded stream's would
    return encoder;
  }

  /**
   * A file: its precompressed sibling (`app.css.br`, `app.css.gz`) when one at least as new
   * exists; else, up to 1 MiB, its encoded copy, made once per coding and version (off the
   * event loop) and kept; a larger file is encoded as it is read. Undefined: send it as it is
   * (too small, or it cannot be read, so commit answers 404 as usual).
   *
   * The headers are made to describe the version sent (file-read.ts), never the one their stat
   * saw if a deploy rewrote the file since: the version a stat finds (a sibling, a kept copy of
   * that version: one stat, as before), or, when the file must be read, the one its descriptor's
   * fstat says — read from that descriptor, kept under that version. Reading it again by path
   * could encode new bytes and send them under the old ETag.
   */
  private async encodeFile(
    res: Response, payload: Extract<ResponseBody, { kind: "file" }>, coding: CompressEncoding, small: (size: number) => boolean,
  ): Promise<{ body: ResponseBody; length?: number } | undefined> {
    const path = payload.path;
    const original = await stat(path).catch(() => null);
    if (!original?.isFile() || small(original.size)) return undefined;
    const siblingPath = path + FILE_SUFFIX[coding];
    const sibling = await stat(siblingPath).catch(() => null);
    if (sibling?.isFile() && isUpToDate(sibling, original)) {
      describeVersion(res.headers, payload, original);
      // the sibling is its own basis: commit re-reads its length if it is rewritten before it opens
      return { body: { kind: "file", path: siblingPath, basis: sibling }, length: sibling.size };
    }
    const known = original.size <= CACHED_FILE_MAX ? this.files.get(path, coding, original) : undefined;
    if (known) {
      describeVersion(res.headers, payload, original);
      return { body: { kind: "data", data: known } };
    }
    const file = await openRegularFile(path);
    if (!file) return undefined;
    const opened = file.stats;
    if (small(opened.size)) return void release(file);
    if (opened.size <= CACHED_FILE_MAX) {
      const identity = await readOpened(file).catch(() => null);
      // changed while read (or unreadable): commit sends it as it is then, checked again
      if (!identity) return undefined;
      const data = await (coding === "br" ? this.brotliAsync(identity, this.brotliOptions(identity.length)) : this.gzipAsync(identity, { level: this.settings.gzipLevel }));
      this.files.set(path, coding, opened, data);
      describeVersion(res.headers, payload, opened);
      return { body: { kind: "data", data } };
    }
    describeVersion(res.headers, payload, opened);
    // read no further than the fstat said, and an error (cut) if it ends short, as commit's own read
    const bytes = new FileBytes(file.fd, 0, opened.size - 1);
    return { body: { kind: "stream", stream: this.encodeStream(bytes, coding, false, opened.size) } };
  }
}

function noTransform(control: HeaderValue | undefined): boolean {
  return control !== undefined && /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(Array.isArray(control) ? control.join(",") : String(control));
}

function isUpToDate(sibling: Stats, original: Stats): boolean {
  return sibling.mtimeMs >= original.mtimeMs;
}
