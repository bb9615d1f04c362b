import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { HttpError, HttpErrorCode, badRequest } from "./errors.js";
import { parseQuery } from "./query.js";
import type { Request, UploadedFile } from "./request.js";

const tooLarge = (limit: number) =>
  new HttpError(413, `Request body exceeds the ${limit} byte limit`, { code: HttpErrorCode.BODY_TOO_LARGE });

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** True when the request announces a body (Content-Length > 0 or chunked). */
export function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return raw.headers["transfer-encoding"] !== undefined;
}

/**
 * Reads and parses the body into `req.body` / `req.files`: JSON, urlencoded, multipart,
 * text/* as a string, anything else as a Buffer. Enforces `limit` bytes (413) before
 * buffering when Content-Length says so, and while streaming otherwise.
 */
export async function parseBody(req: Request, limit: number): Promise<void> {
  const raw = req.raw;
  const declared = Number(raw.headers["content-length"] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const type = (raw.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    await parseMultipart(req, limit);
    return;
  }
  const buffer = await readAll(raw, limit);
  if (buffer.length === 0) return;
  if (type.startsWith("application/json") || /^application\/[\w.+-]*\+json/.test(type)) {
    req.body = parseJson(buffer);
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    req.body = { ...parseQuery(decodeText(buffer, "Invalid UTF-8 in form body")) };
  } else if (type.startsWith("text/")) {
    req.body = decodeText(buffer, "Invalid UTF-8 in text body");
  } else {
    req.body = buffer;
  }
}

const MAX_JSON_DEPTH = 128;

function parseJson(buffer: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(buffer);
  } catch {
    throw new HttpError(400, "Invalid JSON body", { code: HttpErrorCode.INVALID_JSON });
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new HttpError(400, `JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, { code: HttpErrorCode.JSON_TOO_DEEP });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Invalid JSON body", { code: HttpErrorCode.INVALID_JSON });
  }
}

/**
 * Deepest array/object nesting in JSON text, skipping strings. A "JSON bomb" of deep nesting
 * parses fine but later blows the stack of whatever walks it (JSON.stringify, validators).
 */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function decodeText(buffer: Buffer, message: string): string {
  try {
    return utf8.decode(buffer);
  } catch {
    throw badRequest(message, HttpErrorCode.BAD_ENCODING);
  }
}

function readAll(raw: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    raw.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        raw.resume(); // keep draining so the 413 can be written; the connection is closed after it
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    raw.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    raw.on("error", (error) => {
      if (!failed) reject(badRequest(`Request body could not be read: ${error.message}`, HttpErrorCode.BODY_READ));
      failed = true;
    });
    raw.on("aborted", () => {
      if (!failed) reject(badRequest("Request body was truncated", HttpErrorCode.BODY_READ));
      failed = true;
    });
  });
}

function parseMultipart(req: Request, limit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.raw.headers, limits: { fileSize: limit, fieldSize: limit, fields: 1000, files: 100 } });
    } catch (error) {
      reject(badRequest(`Malformed multipart body: ${(error as Error).message}`, HttpErrorCode.BAD_MULTIPART));
      return;
    }
    const fields: Record<string, string | string[]> = {};
    const files: UploadedFile[] = [];
    let total = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.raw.unpipe(parser);
      req.raw.resume();
      reject(error);
    };
    const count = (bytes: number) => {
      total += bytes;
      if (total > limit) fail(tooLarge(limit));
    };
    parser.on("field", (name, value) => {
      count(Buffer.byteLength(name) + Buffer.byteLength(value));
      const existing = fields[name];
      if (existing === undefined) fields[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else fields[name] = [existing, value];
    });
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        count(chunk.length);
        if (!settled) chunks.push(chunk);
      });
      stream.on("limit", () => fail(tooLarge(limit)));
      // A truncated part errors on the file stream itself; unhandled, that would crash the process.
      stream.on("error", (error: Error) => fail(badRequest(`Malformed multipart body: ${error.message}`, HttpErrorCode.BAD_MULTIPART)));
      stream.on("end", () => {
        files.push({ field, filename: info.filename ?? "", contentType: info.mimeType, size, data: Buffer.concat(chunks, size) });
      });
    });
    parser.on("error", (error: Error) => fail(badRequest(`Malformed multipart body: ${error.message}`, HttpErrorCode.BAD_MULTIPART)));
    parser.on("close", () => {
      if (settled) return;
      settled = true;
      req.body = fields;
      req.files = files;
      resolve();
    });
    req.raw.on("aborted", () => fail(badRequest("Request body was truncated", HttpErrorCode.BODY_READ)));
    req.raw.pipe(parser);
  });
}
