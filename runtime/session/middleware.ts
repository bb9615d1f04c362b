/**
 * `session()`: loads the visitor's session before the route (`req.session`), saves it after,
 * once, only when it changed or its sliding expiry is due. The cookie `tina4_session` carries
 * the signed id: HttpOnly, SameSite=Lax, Path=/, Secure in production, Max-Age = the TTL.
 */
import { setting } from "../config/settings.js";
import { parseBackendName } from "../cache/config.js";
import { cacheTarget } from "../cache/factory.js";
import { watchCacheServer } from "../cache/readiness.js";
import { onShutdown } from "../lifecycle.js";
import type { BackendName } from "../cache/backend.js";
import type { CookieOptions } from "../http/cookies.js";
import { kSession, type Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { authSecret } from "../auth/secret.js";
import { builtin, type MiddlewareFunction } from "../middleware/types.js";
import { signSessionId, verifySessionCookie } from "./cookie.js";
import { Session, isSessionRecord } from "./session.js";
import { withStore, type StoreSettings } from "./store.js";
import { sessionEnded } from "./ended.js";
import { warnIfSecureCookieOverHttp } from "./plain-http.js";
import { crossSiteWrite, warnSessionNotStarted } from "./cross-site.js";
import { recordSessionStore } from "./usage.js";

export const SESSION_COOKIE = "tina4_session";

export interface SessionOptions {
  /** Seconds of inactivity before a session ends (TINA4_SESSION_TTL, 86400). */
  ttl?: number;
  /** Where sessions live (TINA4_SESSION_BACKEND; default the cache backend, TINA4_CACHE_BACKEND). */
  backend?: BackendName;
  /** Server URL (TINA4_SESSION_URL; default TINA4_CACHE_URL when the backend is the cache's). */
  url?: string;
  /** Cookie name (default tina4_session). */
  cookieName?: string;
  /** Secure cookie (TINA4_SESSION_SECURE; default true in production, false in dev). */
  secure?: boolean;
  /** Default "Lax". */
  sameSite?: "Lax" | "Strict";
}

interface Settings extends StoreSettings {
  cookie: string;
  attributes: CookieOptions;
}

function settingsFrom(options: SessionOptions): Settings {
  const cacheBackend = setting("TINA4_CACHE_BACKEND");
  const fromEnv = setting("TINA4_SESSION_BACKEND");
  const backend = parseBackendName(options.backend ?? (fromEnv ?? cacheBackend), options.backend ? "session backend" : "TINA4_SESSION_BACKEND");
  recordSessionStore({ backend, source: options.backend ? "option" : fromEnv !== undefined ? "TINA4_SESSION_BACKEND" : "TINA4_CACHE_BACKEND" });
  const sameAsCache = backend === cacheBackend.trim().toLowerCase();
  const url = options.url ?? (setting("TINA4_SESSION_URL") ?? (sameAsCache ? setting("TINA4_CACHE_URL") : undefined));
  const ttl = options.ttl ?? setting("TINA4_SESSION_TTL");
  if (!(ttl > 0)) throw new RangeError(`session(): the TTL must be a positive number of seconds, got ${ttl}`);
  const secure = options.secure ?? setting("TINA4_SESSION_SECURE");
  return {
    backend,
    url,
    ttl,
    cookie: options.cookieName ?? SESSION_COOKIE,
    attributes: { path: "/", httpOnly: true, sameSite: options.sameSite ?? "Lax", secure, maxAge: ttl },
  };
}

const sessionMiddleware = new WeakSet<MiddlewareFunction>();

/** True for a middleware made by `session()` (the app then serves GET /__csrf with it). */
export function isSessionMiddleware(value: unknown): value is MiddlewareFunction {
  return typeof value === "function" && sessionMiddleware.has(value as MiddlewareFunction);
}

/**
 * Sessions for the routes it runs on (`use(session())` for all). A store that cannot answer
 * gives 503 to requests that carry a session cookie or write a session; requests that do
 * neither never touch the store. Throws at creation in production without TINA4_SECRET.
 */
export function session(options: SessionOptions = {}): MiddlewareFunction {
  const settings = settingsFrom(options);
  authSecret(); // production without a secret: fail when the app loads, not at the first request
  // the store opens on the first request that needs it; /__ready checks its server from now
  // on (until shutdown; after that, while the reopened store is open)
  const target = cacheTarget({ backend: settings.backend, url: settings.url });
  onShutdown(watchCacheServer("sessions", target.backend, target.url));
  // the mark first, then the record: see save()
  const remove = (id: string) => withStore(settings, async (cache) => {
    await cache.set(endedKey(id), 1, settings.ttl);
    await cache.delete(id);
    sessionEnded(id); // WebSockets it authenticated close, wherever they are (realtime/hub.ts)
  });

  const middleware = builtin("session", async function (req: Request, res: Response, next) {
    // an outer session() already loaded it (global and route middleware both)
    if (req[kSession] !== undefined) return next();
    const raw = req.cookies[settings.cookie];
    const id = raw === undefined ? null : verifySessionCookie(raw);
    let record = null;
    if (id !== null) {
      const found = await withStore(settings, (cache) => cache.get(id));
      if (found.hit && isSessionRecord(found.value)) record = found.value;
    }
    const current = new Session(id, record, remove);
    req.session = current;
    await next();
    await save(current, req, res, raw !== undefined, record === null ? null : id, settings);
  });
  sessionMiddleware.add(middleware);
  return middleware;
}

/** The mark a logout (destroy) or regenerate leaves for an id it ended, for as long as a session lives. */
const endedKey = (id: string) => `~ended:${id}`;

/**
 * Writes the session back at the end of the request. `loadedId`: the id whose stored record the
 * request loaded, null for a session it started. Another request (any worker or instance) may
 * have ended that session meanwhile — a logout while a slow page was still running — and
 * writing the loaded record back would log the user in again. A cache has no conditional write
 * on every backend, so the order does it: remove() marks the id ended, then deletes the record;
 * save() writes the record, then looks for the mark. If save's look came after the mark, it
 * finds it and deletes what it wrote; if it came before, so did save's write, and remove()'s
 * delete comes after both. Either way the session stays ended, and this response sends no cookie.
 */
async function save(current: Session, req: Request, res: Response, hadCookie: boolean, loadedId: string | null, settings: Settings): Promise<void> {
  if (current.destroyed) {
    if (hadCookie) res.clearCookie(settings.cookie, { ...settings.attributes, maxAge: undefined });
    return;
  }
  const now = Date.now();
  // sliding expiry: pushed out again once a tenth of the TTL has passed since the last save
  const slide = !current.isNew && current.id !== null && now - current.savedAt >= (settings.ttl * 1000) / 10;
  if (!current.dirty && !slide) return;
  // a session is never started by another site's form: login CSRF (cross-site.ts)
  if (current.isNew && crossSiteWrite(req)) return warnSessionNotStarted(req);
  const { id, record } = current.toRecord(now);
  const ended = await withStore(settings, async (cache) => {
    await cache.set(id, record, settings.ttl);
    if (id !== loadedId || !(await cache.get(endedKey(id))).hit) return false;
    await cache.delete(id);
    return true;
  });
  if (ended) return;
  res.cookie(settings.cookie, signSessionId(id), settings.attributes);
  if (settings.attributes.secure === true && current.isNew) warnIfSecureCookieOverHttp(req);
}

/** GET /__csrf: the session's CSRF token for JSON clients (creates the session when needed). */
export function csrfEndpoint(req: Request, res: Response): { token: string } {
  res.header("cache-control", "no-store");
  return { token: req.csrfToken() };
}
