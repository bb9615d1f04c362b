import { stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join, resolve, sep } from "node:path";
import { contentTypeFor } from "./mime.js";
import { ASSET_VERSION_LENGTH, AssetVersions } from "./asset-version.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import { sendFile } from "./byte-range.js";
import { fileEtag } from "./file-basis.js";
import { isFresh } from "./fresh.js";

/** Thrown-free result of resolving a request path inside the public folder. */
export type StaticLookup = { kind: "file"; path: string; stats: Stats } | { kind: "missing" } | { kind: "forbidden" };

/**
 * Serves files from one folder. Three independent guards keep requests inside it, each
 * enough on its own against the traversal forms it names (tests check each one alone):
 * 1. `refusesSegment`: a decoded segment that is `.`/`..` or holds `/`, `\` or NUL is
 *    refused (so `%2e%2e`, `..%2f` and `..%5c` never reach the file system);
 * 2. `contains`: the joined path must still lie inside the folder (defence in depth);
 * 3. dotfiles (`.env`, `.git/...`) are never served.
 * Directories serve index.html.
 */
export class StaticFiles {
  readonly root: string;
  private readonly versions = new AssetVersions();

  constructor(root: string) {
    this.root = resolve(root);
  }

  async lookup(segments: string[]): Promise<StaticLookup> {
    if (segments.some((segment) => this.refusesSegment(segment))) return { kind: "forbidden" };
    if (segments.some((segment) => segment.startsWith("."))) return { kind: "missing" }; // no dotfiles
    let path = join(this.root, ...segments);
    if (!this.contains(path)) return { kind: "forbidden" };
    let stats = await stat(path).catch(() => null);
    if (stats?.isDirectory()) {
      path = join(path, "index.html");
      stats = await stat(path).catch(() => null);
    }
    if (!stats || !stats.isFile()) return { kind: "missing" };
    return { kind: "file", path, stats };
  }

  /** Guard 1: dot segments and segments holding a separator or NUL. */
  protected refusesSegment(segment: string): boolean {
    return segment === ".." || segment === "." || /[\\/\0]/.test(segment);
  }

  /** Guard 2: `path` is the folder itself or below it (`/srv/public-old` is not below `/srv/public`). */
  protected contains(path: string): boolean {
    return path === this.root || path.startsWith(this.root + sep);
  }

  /**
   * Fills `res` for a found file: content type, ETag/Last-Modified, 304 on a fresh cache (before
   * any Range), else the file or the byte range asked for (byte-range.ts: 206, or 416 thrown).
   */
  serve(req: Request, res: Response, file: { path: string; stats: Stats }): void {
    const etag = fileEtag(file.stats);
    res.header("etag", etag);
    res.header("last-modified", file.stats.mtime.toUTCString());
    res.header("cache-control", this.isCurrentVersion(req, file) ? IMMUTABLE : "public, max-age=0, must-revalidate");
    if (isFresh(req, etag, file.stats.mtime)) {
      res.status(304);
      return;
    }
    res.header("content-type", contentTypeFor(file.path));
    sendFile(req, res, file);
  }

  /**
   * True for an `asset()` URL whose `?v=` is the file's current hash: its content can never
   * change, so browsers may keep it for a year. A stale or guessed `v` is not (an old page
   * asking during a deploy must not pin other content under that version). Decided from the
   * lookup's stat: if the file commit then opens is another, commit takes it back (file-basis.ts).
   */
  private isCurrentVersion(req: Request, file: { path: string; stats: Stats }): boolean {
    const v = req.query.v;
    return typeof v === "string" && v.length === ASSET_VERSION_LENGTH && this.versions.of(file.path, file.stats) === v;
  }
}

const IMMUTABLE = "public, max-age=31536000, immutable";
