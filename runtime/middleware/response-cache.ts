import { pipeline, Transform, type Readable } from "node:stream";
import { cacheTarget, createCache } from "../cache/factory.js";
import { BOOKKEEPING_PREFIX, type BackendName, type CacheBackend, type CacheLookup } from "../cache/backend.js";
import { setting } from "../config/settings.js";
import { parseBackendName } from "../cache/config.js";
import { log } from "../log.js";
import type { Request } from "../http/request.js";
import { addSendHook } from "../http/hooks.js";
import { SingleFlight } from "../async/single-flight.js";
import { tapBody } from "../http/body-tap.js";
import { describeVersion, openRegularFile, readOpened, release } from "../http/file-read.js";
import type { HeaderValue, Response, ResponseBody } from "../http/response.js";
import { builtin, type MiddlewareFunction, type Next } from "./types.js";
import { MiddlewareError, MiddlewareErrorCode } from "./errors.js";
import { BODY, localEntries, newVersion, storesVersions } from "./response-cache-local.js";

export interface ResponseCacheOptions {
  /** Seconds an entry lives (default TINA4_CACHE_TTL, 60); a shorter response max-age/s-maxage wins. */
  ttl?: number;
  /** Statuses that may be stored (default [200]). */
  statusCodes?: number[];
  /** Backend name (default TINA4_CACHE_BACKEND). */
  backend?: BackendName;
  /** Backend URL (default TINA4_CACHE_URL). */
  cacheUrl?: string;
  /** Bodies larger than this many bytes are served but not stored (default 1 MiB). */
  maxBodyBytes?: number;
}

/** What is stored per response: status, safe headers, body (UTF-8 text or base64). */
interface Entry {
  s: number;
  h: Record<string, string | string[]>;
  b: string;
  e: "utf8" | "base64";
  /** Stored at (ms), for the Age header. */
  t: number;
  /** The path's generation when the response was made (absent: the path was never cleared). */
  g?: string;
  /** The version it was stored under, on backends that store a version and a body apart (response-cache-local.ts). */
  v?: string;
  /** The body ready to send, built on first serve of an entry kept decoded (never stored). */
  payload?: ResponseBody;
}
/** Stored at the primary key of a URL whose responses vary on request headers. */
interface VaryMarker {
  vary: string[];
}

const STORED_HEADERS = new Set([
  "content-type", "content-language", "content-encoding", "content-disposition", "cache-control", "expires",
  "last-modified", "etag", "vary", "link", "location",
]);
const NEVER_STORED = new Set(["x-request-id", "x-cache", "set-cookie", "connection", "keep-alive", "transfer-encoding", "content-length", "date", "age"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** One backend per (backend, url): instances share it, and clearCache() clears each. */
const backends = new Map<string, Promise<CacheBackend>>();
/**
 * Bumped by closeResponseCaches(): a middleware's backend from an earlier epoch is closed (a
 * graceful shutdown, or testClient().close() before more requests) and is opened anew.
 */
let epoch = 0;

function backendFor(options: ResponseCacheOptions): Promise<CacheBackend> {
  const id = `${options.backend ?? ""}|${options.cacheUrl ?? ""}`;
  let backend = backends.get(id);
  if (!backend) {
    const ttl = options.ttl ?? setting("TINA4_CACHE_TTL");
    backend = createCache({ backend: options.backend, url: options.cacheUrl, namespace: "response", ttl, sharedDecoded: sharedDecodedFor(options) });
    backends.set(id, backend);
    backend.catch(() => backends.delete(id));
  }
  return backend;
}

/**
 * Where a process keeps the responses it has decoded: in one place, so each body is held once.
 * On memory, the backend's own memo (sharedDecoded): the text it compares is the store's own
 * string, so the memo adds only the decoded entry, and a hit is answered synchronously. On
 * every other backend, LocalEntries (response-cache-local.ts) and no memo: the memo would keep
 * the fetched JSON text beside the decoded entry, under a bound of its own that counts keys,
 * not characters, and it cannot answer without fetching the body, which LocalEntries, keyed
 * by version, does. A fallback from a server to the file store stays on LocalEntries.
 */
function sharedDecodedFor(options: ResponseCacheOptions): number {
  return cacheTarget({ backend: options.backend, url: options.cacheUrl }).backend === "memory" ? 1000 : 0;
}

/** The backend responseCache() instances with these options use (tests look at what a process keeps). */
export function responseCacheBackend(options: Pick<ResponseCacheOptions, "backend" | "cacheUrl" | "ttl"> = {}): Promise<CacheBackend> {
  return backendFor(options);
}

/**
 * Where a path's generation lives. Clearing one path writes a new generation there; an entry
 * made under another generation is a miss. One key per path works on every backend, across
 * instances, even memcached, which cannot list or delete keys by prefix. Request URLs start
 * with "/", so this key never meets one.
 */
const GENERATION = `${BOOKKEEPING_PREFIX}generation:`;

/**
 * Clears stored responses (the "response" namespace only) on every backend in use: all of
 * them, or with `path` ("/products/42") that path's, whatever their query string or Vary
 * variant, on every instance sharing the server.
 */
export async function clearCache(path?: string): Promise<void> {
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/") || /[?#]/.test(path))) {
    throw new MiddlewareError(MiddlewareErrorCode.CACHE_PATH, `clearCache(path): expected a request path like "/products/42" (no query string), got ${JSON.stringify(path)}`);
  }
  if (backends.size === 0) backendFor({});
  await Promise.all(
    [...backends.values()].map(async (pending) => {
      const backend = await pending;
      if (path === undefined) {
        localEntries(backend).clear();
        return backend.clear();
      }
      // A fresh random generation rather than a counter: a counter lost (evicted, expired) and
      // counted again could meet an old entry's number.
      await backend.set(GENERATION + path, newVersion(), 0);
      // the plain URL's entry goes at once, even if the generation is lost later
      await Promise.all([backend.delete(path), backend.delete(BODY + path)]);
    }),
  );
}

/** Closes the response caches' connections (graceful shutdown, tests). */
export async function closeResponseCaches(): Promise<void> {
  epoch++;
  const all = [...backends.values()];
  backends.clear();
  await Promise.all(all.map(async (backend) => (await backend.catch(() => undefined))?.close()));
}

function headerList(value: HeaderValue | number | string[] | undefined): string {
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function directives(cacheControl: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of cacheControl.toLowerCase().split(",")) {
    const [name, value = ""] = part.trim().split("=");
    if (name) out.set(name, value.replace(/"/g, ""));
  }
  return out;
}

function varyNames(vary: string): string[] {
  return vary.split(",").map((v) => v.trim().toLowerCase()).filter(Boolean).sort();
}

function variantKey(base: string, names: string[], req: Request): string {
  return base + "|" + names.map((name) => `${name}=${headerList(req.headers[name])}`).join("&");
}

/**
 * Caches whole GET responses in the cache backend set (RFC 9111's rules for a shared cache):
 * never for requests with Authorization or Cookie or a signed-in user (`req.user`, set by any
 * middleware before or after this one), nor responses with Set-Cookie,
 * Cache-Control no-store/private, or Vary: *; Vary'd headers select a variant. The body is
 * taken from the payload that is finally sent (an onSend hook of the response: after outer
 * middleware, before app hooks such as dev live reload) or, for a handler that writes
 * `res.raw` itself, from the bytes written; it is stored after the response has finished, so
 * the client never waits for the cache.
 * Concurrent misses for one URL in this process run the handler once.
 */
export function responseCache(options: ResponseCacheOptions = {}): MiddlewareFunction {
  const settings: MissSettings = {
    inflight: new SingleFlight<string, Entry | null>(),
    maxBytes: options.maxBodyBytes ?? 1024 * 1024,
    statuses: new Set(options.statusCodes ?? [200]),
    ttl: options.ttl,
  };
  // A bad backend name is a startup error; the backend itself is opened now, so
  // clearCache() reaches it even before the first request.
  parseBackendName(options.backend ?? setting("TINA4_CACHE_BACKEND"), options.backend ? "responseCache backend" : "TINA4_CACHE_BACKEND");
  let ready: CacheBackend | undefined;
  let readyEpoch = epoch;
  const open = (): Promise<CacheBackend> => {
    const at = epoch;
    return backendFor(options).then((backend) => {
      if (at === epoch) {
        ready = backend;
        readyEpoch = at;
      }
      return backend;
    });
  };
  open().catch(() => undefined);

  // Not async: a memory hit is answered synchronously (no promise per hit, see compose).
  return builtin("responseCache", function (req, res, next) {
    // A byte range is answered by the route (206 from res.file()/public files): a stored whole
    // answer would keep media from seeking, and a stored part would answer plain GETs.
    if ((req.method !== "GET" && req.method !== "HEAD") || req.headers.range !== undefined) return next();
    // A signed-in caller (a token, a session cookie, or a user an API-key middleware set
    // before this one) gets a page made for them: never one from, or into, the shared cache.
    if (req.headers.authorization !== undefined || req.headers.cookie !== undefined || req.user !== null) {
      res.header("x-cache", "BYPASS");
      return next();
    }
    // The URL itself is the key (GET and HEAD share it): no string built per request.
    const base = req.url;
    const generationKey = GENERATION + req.path;
    if (readyEpoch !== epoch) ready = undefined; // closed by a shutdown: lookupOrRun opens it again
    const generation = ready?.peek<string>(generationKey);
    const now = generation && ready!.peek<Entry | VaryMarker>(base);
    if (now?.hit && isEntry(now.value) && now.value.g === current(generation!)) return serve(res, now.value);
    return lookupOrRun(req, res, next, base, generationKey, generation && now ? [generation, now] : undefined);
  });

  /** Everything but a synchronous hit: backend I/O, Vary variants, single-flight, the miss. */
  async function lookupOrRun(
    req: Request, res: Response, next: Next, base: string, generationKey: string,
    first: readonly [CacheLookup<unknown>, CacheLookup<unknown>] | undefined,
  ): Promise<void> {
    const cache = ready ?? (await open());
    let key = base;
    // the path's generation and what the URL's key holds in one round trip (MGET on redis/valkey)
    const [generationLookup, stored] = first ?? (await cache.getMany<unknown>([generationKey, base]));
    const generation = current(generationLookup!);
    const value = stored!.hit ? stored!.value : undefined;
    // the common hit: this process holds that version decoded (no await, no body fetched)
    const entry = typeof value === "string" ? (localEntries<Entry>(cache).get(base, value) ?? (await versionedEntry(cache, base, value))) : value;
    if (isEntry(entry) && entry.g === generation) return serve(res, entry);
    if (isVaryMarker(value)) {
      key = variantKey(base, value.vary, req);
      const variant = await cache.get<unknown>(key);
      const held = variant.hit ? variant.value : undefined;
      // a variant is versioned like a URL (store()); one stored whole (memory, an earlier release) is the entry itself
      const found = typeof held === "string" ? (localEntries<Entry>(cache).get(key, held) ?? (await versionedEntry(cache, key, held))) : held;
      if (isEntry(found) && found.g === generation) return serve(res, found);
    }

    return runAndStore(settings, req, res, next, cache, base, key, generation);
  }
}

/** What one responseCache() keeps for its misses. */
interface MissSettings {
  readonly inflight: SingleFlight<string, Entry | null>;
  readonly maxBytes: number;
  readonly statuses: Set<number>;
  readonly ttl: number | undefined;
}

/**
 * A miss: joins a concurrent miss of the same key in this process, or runs the handler, takes
 * the body on its way out and stores it once the response has finished.
 */
async function runAndStore(
  settings: MissSettings, req: Request, res: Response, next: Next, cache: CacheBackend, base: string, key: string, generation: string | undefined,
): Promise<void> {
  const { inflight, maxBytes, statuses } = settings;
  const leader = inflight.joinable(key);
  if (leader) {
    const entry = await leader;
    if (entry) return serve(res, entry);
  }
  let settle!: (entry: Entry | null) => void;
  const mine = new Promise<Entry | null>((resolve) => (settle = resolve));
  if (!leader) void inflight.run(key, () => mine);
  const capture = new BodyCapture(maxBytes);
  // A handler writing res.raw itself never reaches onSend: watch its bytes until it does.
  capture.watched = tapBody(res.raw, capture.keep);
  // Added before the rest of the chain runs, so it comes ahead of the send hooks of middleware
  // inside and outside this one that add theirs later (compress() adds its own after next()):
  // what it takes is the payload before anything encodes it.
  addSendHook(res, (_req, _res, payload) => {
    tapBody(res.raw, null);
    capture.watched = true;
    if (req.method !== "GET") return;
    capture.described = describedBy(res);
    if (payload.kind !== "file") return capture.take(payload);
    // a file read now may have been rewritten since its headers were made: they are made to
    // describe the bytes read, and the entry keeps them as they then stand
    return capture.takeFile(payload, res.headers).then((body) => {
      capture.described = describedBy(res);
      return body;
    });
  });
  res.header("x-cache", "MISS");
  let failed = false;
  // Listen before running the handler: one that ends the response synchronously gets
  // "finish" on the next tick, which can come before `await next()` returns.
  res.raw.once("finish", () => {
    const entry = failed ? null : buildEntry(req, res, capture.body(), capture.described, statuses, generation);
    tapBody(res.raw, null);
    settle(entry?.entry ?? null);
    if (entry) void store(cache, base, req, entry.entry, entry.ttl, entry.vary, settings.ttl ?? cache.defaultTtl);
  });
  res.raw.once("close", () => {
    settle(null);
  });
  try {
    await next();
  } catch (error) {
    failed = true;
    settle(null);
    tapBody(res.raw, null);
    throw error;
  }
}

/** The response stored at `key` (a URL or a Vary variant) as `version`, fetched once per process and version. */
async function versionedEntry(cache: CacheBackend, key: string, version: string): Promise<Entry | undefined> {
  const body = await cache.get<Entry>(BODY + key);
  // another version's body (stored again since the version was read): a miss, never a mix
  if (!body.hit || !isEntry(body.value) || body.value.v !== version) return undefined;
  localEntries<Entry>(cache).set(key, body.value);
  return body.value;
}

/** A path's generation, undefined until it is first cleared. */
function current(lookup: CacheLookup<unknown>): string | undefined {
  return lookup.hit && typeof lookup.value === "string" ? lookup.value : undefined;
}

function isVaryMarker(value: unknown): value is VaryMarker {
  return typeof value === "object" && value !== null && Array.isArray((value as VaryMarker).vary);
}

function isEntry(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && typeof (value as Entry).s === "number" && typeof (value as Entry).b === "string";
}

function serve(res: Response, entry: Entry): void {
  res.statusCode = entry.s;
  Object.assign(res.headers, entry.h);
  res.headers["x-cache"] = "HIT";
  res.headers.age = Math.max(0, Math.floor((Date.now() - entry.t) / 1000));
  // An entry is kept decoded and shared between hits (see sharedDecodedFor), so its bytes are
  // made once, and compress() can key its encoded copies on them.
  res.payload = entry.payload ??= { kind: "data", data: Buffer.from(entry.b, entry.e === "utf8" ? "utf8" : "base64") };
}

/** The body of one response, up to `maxBytes` (beyond that, nothing is kept). */
class BodyCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflow = false;
  /** False while the body passes where we cannot see it (raw writes on a server that is not tina4's). */
  watched = false;
  /** How the payload taken was described when taken (undefined for bytes written to res.raw). */
  described: Described | undefined;

  constructor(private readonly maxBytes: number) {}

  readonly keep = (chunk: unknown, encoding?: unknown): void => {
    if (this.overflow || chunk === undefined || chunk === null || typeof chunk === "function") return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8") : Buffer.from(chunk as Uint8Array);
    this.size += buffer.length;
    if (this.size > this.maxBytes) {
      this.overflow = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(buffer);
  };

  /** Captures the payload about to be sent (a file: takeFile); returns what to send instead when it must pass through us. */
  take(payload: Exclude<ResponseBody, { kind: "file" }>): ResponseBody | void {
    if (payload.kind === "data") return this.keep(payload.data);
    if (payload.kind === "stream") return { kind: "stream", stream: this.tee(payload.stream) };
  }

  body(): Buffer | null {
    return this.overflow || !this.watched ? null : Buffer.concat(this.chunks, this.size);
  }

  /** The stream as sent, copied on its way; an error still reaches the response (a cut body, never stored). */
  private tee(source: Readable): Readable {
    const copy = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.keep(chunk);
        done(null, chunk);
      },
    });
    pipeline(source, copy, () => undefined);
    return copy;
  }

  /**
   * A file small enough to store is read now (one open, one fstat: file-read.ts), its headers made
   * to describe what was read, and sent from memory; a larger, unreadable or changing one is left
   * to commit and not stored (commit answers 404 for a file that went away).
   */
  async takeFile(payload: Extract<ResponseBody, { kind: "file" }>, headers: Record<string, HeaderValue>): Promise<ResponseBody | void> {
    const file = await openRegularFile(payload.path);
    if (!file || file.stats.size > this.maxBytes) {
      if (file) release(file);
      return void (this.overflow = true);
    }
    const data = await readOpened(file).catch(() => null);
    if (!data) return void (this.overflow = true);
    describeVersion(headers, payload, file.stats);
    this.keep(data);
    return { kind: "data", data };
  }
}

/**
 * The headers that describe a payload's bytes (their coding, what they were chosen by, their
 * validator) as they stood when responseCache took it. A send hook after ours may send other
 * bytes and describe those instead (compress(): Content-Encoding br, Vary: Accept-Encoding, a
 * strong ETag made weak); the entry holds the bytes we took, so it keeps what described them.
 */
interface Described {
  readonly encoding: HeaderValue | undefined;
  readonly vary: HeaderValue | undefined;
  readonly etag: HeaderValue | undefined;
}

function describedBy(res: Response): Described {
  const headers = res.headers;
  const raw = res.raw;
  const header = (name: string) => headers[name] ?? (raw.getHeader(name) as HeaderValue | undefined);
  return { encoding: header("content-encoding"), vary: header("vary"), etag: header("etag") };
}

function buildEntry(
  req: Request, res: Response, body: Buffer | null, described: Described | undefined, statuses: Set<number>, generation: string | undefined,
): { entry: Entry; ttl: number | undefined; vary: string[] } | null {
  const raw = res.raw;
  const status = raw.statusCode;
  // a 206 is part of an answer, never one to give whole (even when statusCodes names it)
  if (!body || !statuses.has(status) || status === 206 || req.method !== "GET") return null;
  // Middleware after this one signed the caller in (req.user): the page may be theirs alone.
  if (req.user !== null) return null;
  // the response as sent: whatever a hook set after the capture may forbid storing it
  const headers: Record<string, HeaderValue> = { ...(raw.getHeaders() as Record<string, HeaderValue>), ...res.headers };
  if (headers["set-cookie"] !== undefined) return null;
  const control = directives(headerList(headers["cache-control"]));
  if (control.has("no-store") || control.has("private")) return null;
  if (varyNames(headerList(headers.vary)).includes("*")) return null;
  if (described !== undefined) {
    setOrDelete(headers, "content-encoding", described.encoding);
    setOrDelete(headers, "vary", described.vary);
    // a tag set after the capture (an etag() inside this middleware) was made over the bytes we took
    if (described.etag !== undefined) headers.etag = described.etag;
  }
  const vary = varyNames(headerList(headers.vary));
  const maxAge = control.get("s-maxage") ?? control.get("max-age");
  const ttl = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : undefined;
  if (ttl === 0) return null;
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (NEVER_STORED.has(lower) || lower.startsWith("access-control-") || lower.startsWith("ratelimit")) continue;
    if (STORED_HEADERS.has(lower) || lower.startsWith("x-")) kept[lower] = Array.isArray(value) ? value : String(value);
  }
  let text: string | null = null;
  try {
    text = utf8.decode(body);
  } catch {
    text = null;
  }
  const entry: Entry = text === null ? { s: status, h: kept, b: body.toString("base64"), e: "base64", t: Date.now() } : { s: status, h: kept, b: text, e: "utf8", t: Date.now() };
  if (generation !== undefined) entry.g = generation;
  return { entry, ttl, vary };
}

function setOrDelete(headers: Record<string, HeaderValue>, name: string, value: HeaderValue | undefined): void {
  if (value === undefined) delete headers[name];
  else headers[name] = value;
}

async function store(cache: CacheBackend, base: string, req: Request, entry: Entry, ttl: number | undefined, vary: string[], defaultTtl: number): Promise<void> {
  const seconds = ttl === undefined ? defaultTtl : Math.min(ttl, defaultTtl);
  try {
    if (vary.length > 0) {
      await cache.set(base, { vary } satisfies VaryMarker, seconds);
      await storeEntry(cache, variantKey(base, vary, req), entry, seconds);
    } else {
      await storeEntry(cache, base, entry, seconds);
    }
  } catch (error) {
    log.warn(`responseCache: could not store ${base}: ${(error as Error).message}`);
  }
}

/** One response at `key`: whole on memory; elsewhere a version at `key` and the response under `~body:<key>`. */
async function storeEntry(cache: CacheBackend, key: string, entry: Entry, seconds: number): Promise<void> {
  if (!storesVersions(cache)) return cache.set(key, entry, seconds);
  // body first: a reader that finds the version finds its body
  entry.v = newVersion();
  await cache.set(BODY + key, entry, seconds);
  await cache.set(key, entry.v, seconds);
  localEntries<Entry>(cache).set(key, entry);
}
