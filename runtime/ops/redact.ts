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

/** `text` with connection-URL passwords and the app secret replaced. */
export function redactText(text: string, secret = setting("TINA4_SECRET")): string {
  let out = text.includes("://") ? text.replace(URL_PASSWORD, `$1${REDACTED}@`) : text;
  if (secret && secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
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
