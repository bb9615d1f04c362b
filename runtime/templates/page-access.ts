/**
 * Which pages need a user, and which middleware run before them: `pages("/dashboard", {
 * secured: true, middleware })` covers the page at that path and every page below it (whole
 * segments: `/admin` covers `/admin/users`, not `/administrator`). The most specific
 * declaration wins, so `pages("/", { secured: true })` with `pages("/login", { secured: false })`
 * puts a whole site behind a login except its login page. Matching is on the page template a
 * request resolved to (`pages/admin/users.twig` → `/admin/users`), never on the raw URL, so
 * encoded or doubled slashes and trailing dots cannot walk around a declaration.
 */
import { RouterError, RouterErrorCode } from "../router/errors.js";
import { toMiddlewareFunction } from "../middleware/class-runner.js";
import { mayCallResponse, type Middleware } from "../middleware/types.js";
import { compose, type Endpoint } from "../middleware/compose.js";
import { guardEndpoint } from "../auth/guard.js";
import { HTML_TYPE, viewsOf } from "../http/response.js";

/** The second argument of `pages(prefix, options)`. */
export interface PageOptions {
  /** true: the pages need a user (401, or the login redirect for browsers: TINA4_LOGIN_URL); false: public (the default). */
  secured?: boolean;
  /** Run after the global middleware and before the secured check and the render, as a route's do. */
  middleware?: Middleware[];
}

export interface PageRule {
  /** Canonical prefix (`/admin`, `/` for every page). */
  prefix: string;
  segments: readonly string[];
  secured: boolean;
  middleware: readonly Middleware[];
  /** Where it was declared (the file being loaded, as for routes). */
  source: string;
  /** The composed middleware + guard + render per page template, made on first use. */
  endpoints: Map<string, Endpoint>;
}

/** Segments a page URL can have (pages.ts `pageCandidates`): no partials, dot-files or separators. */
const SEGMENT = /^[^._\\/\0{}[\]*][^\\/\0{}[\]*]*$/;

function prefixSegments(prefix: unknown): string[] {
  if (typeof prefix !== "string" || !prefix.startsWith("/")) {
    throw new RouterError(RouterErrorCode.PATTERN, `pages(): the path must start with "/", got ${JSON.stringify(prefix)}`);
  }
  const segments = prefix.split("/").filter((segment) => segment !== "");
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    throw new RouterError(
      RouterErrorCode.PATTERN,
      `pages("${prefix}"): "${bad}" can never be part of a page's path (pages have no parameters; names starting with "_" or "." are never served)`,
    );
  }
  return segments;
}

function openRule(): PageRule {
  return { prefix: "/", segments: [], secured: false, middleware: [], source: "tina4", endpoints: new Map() };
}

export class PageAccess {
  private rules: PageRule[] = [];
  /** What an undeclared page runs: no middleware of its own, public (`req.user` still set when known). */
  private readonly open = openRule();
  /** True when some page middleware may call `res(...)` (the callable response is needed). */
  exposesResponse = false;

  /** Adds (or replaces, for the same prefix) a declaration; returns the one it replaced. */
  add(prefix: string, options: PageOptions, source: string, groupMiddleware: readonly Middleware[] = []): PageRule | undefined {
    const segments = prefixSegments(prefix);
    if (typeof options !== "object" || options === null) {
      throw new RouterError(RouterErrorCode.MIDDLEWARE, `pages("${prefix}"): the options must be an object ({ secured, middleware })`);
    }
    if (options.secured !== undefined && typeof options.secured !== "boolean") {
      throw new RouterError(RouterErrorCode.SECURED, `pages("${prefix}") (${source}): "secured" must be true or false, got ${JSON.stringify(options.secured)}`);
    }
    if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
      throw new RouterError(RouterErrorCode.MIDDLEWARE, `pages("${prefix}") (${source}): "middleware" must be an array`);
    }
    const middleware = [...groupMiddleware, ...(options.middleware ?? [])];
    for (const item of middleware) toMiddlewareFunction(item); // validate now, not at the first request
    const canonical = "/" + segments.join("/");
    const rule: PageRule = { prefix: canonical, segments, secured: options.secured ?? false, middleware, source, endpoints: new Map() };
    const index = this.rules.findIndex((existing) => existing.prefix === canonical);
    const previous = index < 0 ? undefined : this.rules[index];
    if (index < 0) this.rules.push(rule);
    else this.rules[index] = rule;
    // longest first: the first that matches is the most specific
    this.rules.sort((a, b) => b.segments.length - a.segments.length);
    this.exposesResponse = this.rules.some((r) => r.middleware.some(mayCallResponse));
    return previous;
  }

  /** The most specific declaration covering a page's path (`/admin/users`), or null. */
  ruleFor(pagePath: string): PageRule | null {
    if (this.rules.length === 0) return null;
    const segments = pagePath.split("/").filter((segment) => segment !== "");
    for (const rule of this.rules) {
      if (rule.segments.length <= segments.length && rule.segments.every((segment, i) => segment === segments[i])) return rule;
    }
    return null;
  }

  /**
   * The endpoint for a page template (`pages/admin/users.twig` at `/admin/users`): the covering
   * declaration's middleware, then the secured check of routes (guard.ts), then the render —
   * what a route's chain is. Made once per page and declaration.
   */
  endpointFor(template: string, pagePath: string): Endpoint {
    const rule = this.ruleFor(pagePath) ?? this.open;
    let endpoint = rule.endpoints.get(template);
    if (endpoint === undefined) {
      // the response's templates are the app's current ones (configure() may replace them)
      const render: Endpoint = (req, res) => void res.send(viewsOf(res)!.render(template, null, req), undefined, HTML_TYPE);
      // GET and HEAD only, so the CSRF check (unsafe methods) never applies
      endpoint = compose(rule.middleware, guardEndpoint(render, rule.secured ? "always" : "never"));
      rule.endpoints.set(template, endpoint);
    }
    return endpoint;
  }
}
