import { HttpError, HttpErrorCode } from "./errors.js";

/**
 * Parses a Cookie header. Malformed percent-encoding leaves the raw value rather than failing
 * the request; the first of two cookies with one name wins.
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    // own keys only: a cookie named `constructor` is still read (`__proto__` cannot be a key and is dropped)
    if (!name || Object.hasOwn(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    try {
      out[name] = value.includes("%") ? decodeURIComponent(value) : value;
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export interface CookieOptions {
  /** Seconds; 0 or less expires the cookie now. */
  maxAge?: number;
  expires?: Date;
  /** Default "/". Must start with "/"; no ";" or control characters. */
  path?: string;
  /** A host name such as "example.com" (a leading dot is allowed and ignored by browsers). */
  domain?: string;
  secure?: boolean;
  /** Default true. */
  httpOnly?: boolean;
  /** Default "Lax". "None" requires `secure: true`. */
  sameSite?: "Strict" | "Lax" | "None";
}

/** Codes of the HttpError (500: a bug in the app, not the client's fault) thrown for a cookie that cannot be sent as asked. */
export const CookieErrorCode = {
  NAME: HttpErrorCode.COOKIE_NAME,
  VALUE: HttpErrorCode.COOKIE_VALUE,
  ATTRIBUTE: HttpErrorCode.COOKIE_ATTRIBUTE,
} as const;

/** RFC 6265 cookie-name: an RFC 7230 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 path-value: any CHAR except CTLs or ";". */
const PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/;
/** A host name made of LDH labels, or an IPv4 address; an optional leading dot. */
const DOMAIN = /^\.?(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;
/** Browsers drop a cookie whose name and value exceed 4096 bytes. */
const MAX_COOKIE_BYTES = 4096;
const SAME_SITE: Record<string, "Strict" | "Lax" | "None"> = { strict: "Strict", lax: "Lax", none: "None" };

function cookieError(code: (typeof CookieErrorCode)[keyof typeof CookieErrorCode], message: string, cause?: unknown): HttpError {
  return new HttpError(500, message, { code, expose: false, cause });
}

function attributeError(name: string, attribute: string, value: unknown, rule: string): HttpError {
  return cookieError(CookieErrorCode.ATTRIBUTE, `Cookie "${name}": invalid ${attribute} ${JSON.stringify(String(value)).slice(0, 120)}: ${rule}`);
}

/**
 * A Set-Cookie header value. The value is percent-encoded, so it can hold anything; the name
 * and every attribute are validated, so no caller input can add attributes (`path:
 * "/; Domain=evil.com"`) or split the header. Throws HttpError with a CookieErrorCode.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw cookieError(CookieErrorCode.NAME, `Invalid cookie name ${JSON.stringify(String(name)).slice(0, 120)}: use letters, digits and !#$%&'*+-.^_\`|~`);
  }
  if (typeof value !== "string") {
    throw cookieError(CookieErrorCode.VALUE, `Cookie "${name}": the value must be a string, got ${value === null ? "null" : typeof value}`);
  }
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch (error) {
    throw cookieError(CookieErrorCode.VALUE, `Cookie "${name}": the value is not valid Unicode (a lone surrogate)`, error);
  }
  if (name.length + encoded.length > MAX_COOKIE_BYTES) {
    throw cookieError(CookieErrorCode.VALUE, `Cookie "${name}": ${name.length + encoded.length} bytes encoded; browsers drop cookies over ${MAX_COOKIE_BYTES}`);
  }
  let out = `${name}=${encoded}`;
  if (options.maxAge !== undefined) {
    if (typeof options.maxAge !== "number" || !Number.isFinite(options.maxAge)) throw attributeError(name, "maxAge", options.maxAge, "a finite number of seconds");
    out += `; Max-Age=${Math.floor(options.maxAge)}`;
  }
  if (options.expires !== undefined) {
    if (!(options.expires instanceof Date) || Number.isNaN(options.expires.getTime())) throw attributeError(name, "expires", options.expires, "a valid Date");
    out += `; Expires=${options.expires.toUTCString()}`;
  }
  const path = options.path ?? "/";
  if (typeof path !== "string" || !PATH.test(path)) throw attributeError(name, "path", path, 'starts with "/", printable ASCII without ";"');
  out += `; Path=${path}`;
  if (options.domain !== undefined) {
    if (typeof options.domain !== "string" || options.domain.length > 253 || !DOMAIN.test(options.domain)) {
      throw attributeError(name, "domain", options.domain, "a host name such as example.com");
    }
    out += `; Domain=${options.domain}`;
  }
  const sameSite = SAME_SITE[String(options.sameSite ?? "Lax").toLowerCase()];
  if (sameSite === undefined) throw attributeError(name, "sameSite", options.sameSite, "Strict, Lax or None");
  const secure = Boolean(options.secure);
  // Browsers silently ignore these cookies; failing here tells the developer why.
  if (sameSite === "None" && !secure) throw attributeError(name, "sameSite", sameSite, "SameSite=None needs secure: true");
  if ((name.startsWith("__Secure-") || name.startsWith("__Host-")) && !secure) throw attributeError(name, "secure", options.secure, `a ${name.startsWith("__Host-") ? "__Host-" : "__Secure-"} cookie needs secure: true`);
  if (name.startsWith("__Host-") && (path !== "/" || options.domain !== undefined)) {
    throw attributeError(name, "path/domain", `${path} ${options.domain ?? ""}`.trim(), 'a __Host- cookie needs path "/" and no domain');
  }
  if (secure) out += "; Secure";
  if (options.httpOnly ?? true) out += "; HttpOnly";
  out += `; SameSite=${sameSite}`;
  return out;
}
