/**
 * A Secure session cookie set on a plain-HTTP request to a host that is not the machine itself
 * (a VM's address, a Docker host name) is dropped by the browser: the login answers 302 and
 * the next page is anonymous, with nothing in any log. Warn once, when it happens, with the
 * two ways out. Browsers treat localhost and loopback addresses as secure, so those are fine.
 */
import type { Request } from "../http/request.js";
import { warnOnce } from "../log.js";

const LOCAL_HOST = /^(?:localhost|[^.]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The Host header without its port. */
function hostname(host: string): string {
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
}

export function warnIfSecureCookieOverHttp(req: Request): void {
  if ((req.raw.socket as { encrypted?: boolean } | null)?.encrypted) return;
  // a proxy that terminated TLS says so (believed here: it only silences a warning)
  const proto = req.headers["x-forwarded-proto"];
  if (typeof proto === "string" && proto.split(",")[0]!.trim().toLowerCase() === "https") return;
  const host = hostname(req.headers.host ?? "");
  if (host === "" || LOCAL_HOST.test(host)) return;
  warnOnce(
    "session-secure-over-http",
    `the session cookie is Secure (TINA4_SESSION_SECURE, on in production) but ${req.method} ${req.path} came over plain HTTP to ${host}: ` +
      "browsers drop the cookie, so nobody stays logged in. Serve the app over HTTPS (a proxy in front that sets X-Forwarded-Proto: https), " +
      "or set TINA4_SESSION_SECURE=false for a plain-HTTP test deployment",
  );
}
