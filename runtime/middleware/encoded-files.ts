import type { Stats } from "node:fs";

/**
 * Encoded copies of files compress() sent, so a public `app.js` is compressed once per coding
 * and version rather than on every request. An entry is found only while the file keeps the
 * size and modification time it had when read; the least recently used go first once the
 * copies exceed `maxBytes`.
 */
export class EncodedFiles {
  private readonly entries = new Map<string, { size: number; mtimeMs: number; data: Buffer }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(path: string, coding: string, stats: Stats): Buffer | undefined {
    const key = coding + "\0" + path;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.size !== stats.size || entry.mtimeMs !== stats.mtimeMs) {
      this.drop(key);
      return undefined;
    }
    // most recently used last: Map keeps insertion order
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.data;
  }

  set(path: string, coding: string, stats: Stats, data: Buffer): void {
    if (data.length > this.maxBytes) return;
    const key = coding + "\0" + path;
    this.drop(key);
    this.entries.set(key, { size: stats.size, mtimeMs: stats.mtimeMs, data });
    this.bytes += data.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.data.length;
    this.entries.delete(key);
  }
}
