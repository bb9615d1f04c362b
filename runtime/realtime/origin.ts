/**
 * Which pages may open a WebSocket. Browsers send the cookies of our site with a cross-site
 * upgrade (there is no preflight), so an unchecked upgrade lets any page act as the visitor
 * (cross-site WebSocket hijacking). Allowed: no Origin (not a browser), the page's own origin
 * (Origin's host equals the Host header), and the listed origins ("*" allows any).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  if (allowed.has("*")) return true;
  const normalized = origin.trim().toLowerCase().replace(/\/+$/, "");
  if (allowed.has(normalized)) return true;
  if (normalized === "null" || host === undefined) return false;
  try {
    return new URL(normalized).host === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

/** Origins as compared: lower case, no trailing slash. */
export function originSet(origins: readonly string[]): Set<string> {
  return new Set(origins.map((origin) => origin.trim().toLowerCase().replace(/\/+$/, "")).filter(Boolean));
}
