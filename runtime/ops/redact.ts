import { setting } from "../config/settings.js";
/**
 * What never reaches a log line: credentials in headers, cookies, passwords, tokens and
 * secrets (by key, at any depth), the value of TINA4_SECRET and the password part of
 * connection URLs (by content, in any string).
 */
export const REDACTED = "[redacted]";

/** Keys whose values are secret wherever they appear (compared lower-case, without - and _). */
const SECRET_KEYS = /^(authorization|proxyauthorization|cookie|setcookie|password|passwd|pass|pwd|secret|tina4secret|token|accesstoken|refreshtoken|apikey|xapikey|clientsecret|csrftoken|xcsrftoken)$/;
/** `scheme://user:password@host` → the password part. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)@/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.test(key.toLowerCase().replace(/[-_]/g, ""));
}

/**
 * A credential quoted after its name in free text: `Authorization: Bearer …`, `password=…`,
 * `"api_key":"…"`, `Password=…;` in a connection string, `access_token=…` in a URL. The name
 * needs `=` or `:` after it, so "password must be 8 characters" stays as it is.
 */
const NAMED_SECRET =
  /(?<![a-z0-9])((?:proxy-)?authorization|passwd|password|pwd|secret|client[_-]?secret|(?:x-)?api[_-]?key|(?:access|refresh|csrf|id)?[_-]?token)(["']?[ \t]*[:=][ \t]*["']?)((?:bearer|basic|digest)[ \t]+)?([^\s"'&;,]+)/gi;
/** A bearer credential anywhere (`Bearer eyJ…`). */
const BEARER = /\b(bearer[ \t]+)([a-z0-9._~+/-]+=*)/gi;
/** A basic credential anywhere: base64 of `user:password`, checked by decoding it. */
const BASIC = /\b(basic[ \t]+)([a-z0-9+/]{4,}={0,2})(?![a-z0-9+/=])/gi;

function isBasicCredential(text: string): boolean {
  const decoded = Buffer.from(text, "base64");
  return decoded.toString("base64").replace(/=+$/, "") === text.replace(/=+$/, "") && decoded.toString("latin1").includes(":");
}

/** `text` with quoted credentials, connection-URL passwords and the app secret replaced. */
export function redactText(text: string, secret = setting("TINA4_SECRET")): string {
  let out = text.includes("://") ? text.replace(URL_PASSWORD, `$1${REDACTED}@`) : text;
  if (secret && secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  out = out.replace(NAMED_SECRET, (_match, name: string, separator: string, scheme: string | undefined) => `${name}${separator}${scheme ?? ""}${REDACTED}`);
  out = out.replace(BEARER, (match, scheme: string, value: string) => (value === REDACTED ? match : `${scheme}${REDACTED}`));
  return out.replace(BASIC, (match, scheme: string, value: string) => (isBasicCredential(value) ? `${scheme}${REDACTED}` : match));
}

/** A copy of `value` with secret keys and secret text redacted; values without secrets come back as they are. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (value instanceof Error) return value; // pino's error serializer runs after; its message is redacted there
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = redactValue(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  let copy: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const next = isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactValue(item, depth + 1);
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return copy ?? value;
}
