/**
 * HTML form method override: a browser form can only send GET or POST, so a POST whose form
 * body (urlencoded or multipart) carries `_method` = PUT, PATCH or DELETE is routed as that
 * method (what Rails and Laravel do). Applied before routing, so hooks, middleware (sessions,
 * the CSRF and secured checks) and the route all see the overridden `req.method`;
 * `req.originalMethod` keeps "POST". Why these rules: docs/decisions.md, "Form method override".
 */
import type { IncomingMessage } from "node:http";
import { HttpError, HttpErrorCode } from "./errors.js";
import { hasBody } from "./body.js";
import type { Request } from "./request.js";

/** The form field that names the method. */
export const METHOD_FIELD = "_method";

/** What a form POST may become: the unsafe methods a form cannot send itself. GET and HEAD never (a POST must not reach a safe route). */
export const OVERRIDABLE_METHODS: ReadonlySet<string> = new Set(["PUT", "PATCH", "DELETE"]);

/** The body types an HTML form sends (`enctype`); JSON and others are never read for an override. */
const FORM_TYPE = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)/i;

/**
 * True for a POST with a form body: the one request whose body is read before routing (its
 * `_method` field may change the route). Every other request is routed first, as before.
 */
export function mayOverrideMethod(raw: IncomingMessage, method: string): boolean {
  if (method !== "POST") return false;
  const type = raw.headers["content-type"];
  return type !== undefined && FORM_TYPE.test(type) && hasBody(raw);
}

/**
 * Applies the parsed form body's `_method` to `req.method`. No field: nothing changes. `POST`
 * (any case) is a no-op, so a shared create/edit form may always send the field. Anything
 * else (GET, HEAD, OPTIONS, an unknown word, the field twice) → 400: silently routing it as
 * POST would run a different unsafe action than the form meant.
 */
export function applyMethodOverride(req: Request): void {
  const body = req.body;
  if (typeof body !== "object" || body === null || !Object.hasOwn(body, METHOD_FIELD)) return;
  const value = (body as Record<string, unknown>)[METHOD_FIELD];
  const verb = typeof value === "string" ? value.toUpperCase() : null;
  if (verb === "POST") return;
  if (verb === null || !OVERRIDABLE_METHODS.has(verb)) {
    throw new HttpError(400, `Invalid ${METHOD_FIELD} override ${JSON.stringify(value)}: a form POST may only become PUT, PATCH or DELETE`, {
      code: HttpErrorCode.METHOD_OVERRIDE,
    });
  }
  (req as { method: string }).method = verb;
}
