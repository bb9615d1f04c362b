import { HttpError, session, type MiddlewareFunction } from "tina4";

/** Sessions for the products page and its forms: `{{ csrf_field() }}` and the notices flashed after a change. */
export const pageSession = session();

/**
 * The products page's forms are open to every visitor (the example has no login yet), so they
 * check the form's CSRF token on every request. tina4 checks it by itself only when a request
 * brings a session cookie, the way a forged request borrows a signed-in user's rights; an open
 * route needs no cookie, and a form posted from another site arrives without the SameSite=Lax
 * cookie, so without this check any site could add or delete products here.
 */
export const formToken: MiddlewareFunction = async (req, _res, next) => {
  const body = typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
  if (!req.session?.checkCsrfToken(body._csrf)) {
    throw new HttpError(403, "Invalid CSRF token: send the form from the products page (/products)");
  }
  await next();
};

/** The middleware of the form routes: a session, then the token check. */
export const productForm = [pageSession, formToken];
