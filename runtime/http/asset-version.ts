/**
 * The version of a public file in `asset()` URLs (`/css/app.css?v=1a2b3c4d5e`): the first 10
 * hex characters of its SHA-256. The template side puts it in URLs; the static server answers
 * exactly that URL as immutable, so the two must agree on it (one function).
 */
import { createHash } from "node:crypto";
import { readFileSync, type Stats } from "node:fs";

export const ASSET_VERSION_LENGTH = 10;

export function assetVersion(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex").slice(0, ASSET_VERSION_LENGTH);
}

/** Versions of served files, recomputed when a file's size or mtime changes (a deploy). */
export class AssetVersions {
  private readonly known = new Map<string, { size: number; mtimeMs: number; version: string }>();

  of(path: string, stats: Stats): string | null {
    const cached = this.known.get(path);
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) return cached.version;
    let version: string;
    try {
      version = assetVersion(readFileSync(path));
    } catch {
      return null; // gone between stat and read: served (or not) as usual, never called immutable
    }
    if (this.known.size >= 10_000) this.known.clear(); // bounded: a public folder is not unlimited
    this.known.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, version });
    return version;
  }
}
