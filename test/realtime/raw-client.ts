/** A hand-driven WebSocket client over a plain TCP socket: for paused readers and hostile frames. */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawSocket {
  socket: Socket;
  /** The handshake reply's status line and headers. */
  head: string;
  /** Bytes received after the handshake. */
  received(): Buffer;
  closed: Promise<void>;
}

/** Opens a raw connection, sends the upgrade request (extra header lines allowed) and waits for the reply head. */
export function rawUpgrade(port: number, path: string, extraHeaders = "", timeoutMs = 3000): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buffer = Buffer.alloc(0);
    let head: string | null = null;
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no handshake reply within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (head !== null) return;
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      head = buffer.subarray(0, end).toString("latin1");
      buffer = buffer.subarray(end + 4);
      resolve({ socket, head, received: () => buffer, closed });
    });
    socket.once("close", () => {
      clearTimeout(timer);
      if (head === null) reject(new Error(`closed before the handshake reply: ${buffer.toString("latin1").slice(0, 200)}`));
    });
    const key = randomBytes(16).toString("base64");
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n${extraHeaders}\r\n`);
  });
}

/** One frame as a client sends it (masked unless `mask` is false). */
export function frame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean; rsv?: number; length?: bigint } = {}): Buffer {
  const fin = options.fin ?? true;
  const mask = options.mask ?? true;
  const length = options.length ?? BigInt(payload.length);
  const first = (fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f);
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, (mask ? 0x80 : 0) | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([header, key, body]);
}

/** The close code in the first close frame the server sent, if any. */
export function serverCloseCode(bytes: Buffer): number | null {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (offset + 2 > bytes.length) return null;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (offset + 8 > bytes.length) return null;
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === 0x8) return length >= 2 && offset + 2 <= bytes.length ? bytes.readUInt16BE(offset) : 1005;
    at = offset + length;
  }
  return null;
}
