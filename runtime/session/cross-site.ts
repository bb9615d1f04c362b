/**
 * Login CSRF: a page on another site posts a form to our login route with the attacker's
 * email and password. The browser sends no SameSite=Lax cookie with a cross-site POST, so the
 * request has no stored session and the CSRF check has nothing to compare; the login then
 * starts a session and the victim browses logged in as the attacker (what they type lands in
 * the attacker's account). Laravel, Rails and AdonisJS refuse such a POST outright; tina4
 * refuses to start a session from it instead, so cross-site form posts that need no session
 * (a payment provider's return page) keep working. `Sec-Fetch-Site` is set by the browser
 * itself and cannot be forged by a page; browsers send it on HTTPS and to localhost.
 */
import type { Request } from "../http/request.js";
import { UNSAFE_METHODS } from "../auth/guard.js";

/** True when a browser sent this unsafe request from a page of another site. */
export function crossSiteWrite(req: Request): boolean {
  return UNSAFE_METHODS.has(req.method) && req.headers["sec-fetch-site"] === "cross-site" && req.auth !== "bearer";
}

export function warnSessionNotStarted(req: Request): void {
  req.log.warn(
    `${req.method} ${req.path} came from a page of another site (Sec-Fetch-Site: cross-site) without a session cookie: ` +
      "the session it wrote was not started (login CSRF). Start sessions from your own pages",
  );
}
