import { request } from "node:http";
import zlib from "node:zlib";

export interface DecodedReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as they came over the wire. */
  raw: Buffer;
  /** The body decoded as its Content-Encoding says. */
  body: string;
}

/**
 * One request on a new connection with exactly the headers given (fetch would negotiate and
 * decode by itself); the body is decoded by its Content-Encoding (br, gzip or none).
 */
export function sendDecoded(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<DecodedReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: decodeBody(raw, res.headers["content-encoding"]).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** `raw` decoded as `encoding` says; an encoding a test did not expect fails it. */
export function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === "br") return zlib.brotliDecompressSync(raw);
  if (encoding === "gzip") return zlib.gunzipSync(raw);
  if (encoding === undefined) return raw;
  throw new Error(`unexpected content-encoding ${encoding}`);
}
