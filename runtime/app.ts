import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { RouteTrie, type RouteEntry } from "./router/trie.js";
import { RouterError, RouterErrorCode } from "./router/errors.js";
import { Request, kEndpoint, type Params } from "./http/request.js";
import { requestIdFor } from "./http/request-id.js";
import { monotonicNow } from "./http/clock.js";
import { createResponse, type Response } from "./http/response.js";
import { HttpError, HttpErrorCode } from "./http/errors.js";
import { hasBody, parseBody } from "./http/body.js";
import { applyMethodOverride, mayOverrideMethod } from "./http/method-override.js";
import { commit } from "./http/commit.js";
import { completeFile } from "./http/file-response.js";
import {
  Hooks,
  runErrorHooks,
  runRequestHooks,
  runSendHooks,
  sendHooksOf,
  settleResponse,
  settleUpgrade,
  watchResponse,
  type HookName,
  type HookTypes,
  type NotFoundHandler,
  type OnErrorHook,
} from "./http/hooks.js";
import { logServerError, renderError, statusOf } from "./http/error-response.js";
import { StaticFiles } from "./http/static.js";
import { answerReady } from "./http/ready-route.js";
import { Views } from "./templates/views.js";
import { pageFor, pageRoutes } from "./templates/pages.js";
import { PageAccess, type PageOptions } from "./templates/page-access.js";
import { decodeSegments } from "./http/path.js";
import { TrustedProxies } from "./http/client-ip.js";
import { compose, isThenable, type Endpoint } from "./middleware/compose.js";
import { middlewareName, toMiddlewareFunction } from "./middleware/class-runner.js";
import { mayCallResponse, type Middleware } from "./middleware/types.js";
import { mayUseAsFunction } from "./middleware/calls-parameter.js";
import { setting } from "./config/settings.js";
import { guardEndpoint, identify, securedMode, type SecuredMode } from "./auth/guard.js";
import { csrfEndpoint, isSessionMiddleware, session } from "./session/middleware.js";
import { log } from "./log.js";
import { Realtime } from "./realtime/realtime.js";
import { RealtimeErrorCode } from "./realtime/errors.js";
import type { WebSocketHandlers, WebSocketOptions } from "./realtime/types.js";
import { requestContextsWanted, runInRequestContext } from "./context.js";
import { checkRouteSchema, type CheckedRouteSchema, type RouteSchema } from "./validation/route-schema.js";
import { validatingEndpoint } from "./validation/validate.js";
import { routeDefinitionOf } from "./validation/define-route.js";
import type { RouteMeta, RouteOptions, SchemaHandler } from "./validation/types.js";
import type { RouteDefinitionInfo } from "./openapi/types.js";
import { isOpenApiPath, openApiSettings, type OpenApiConfig, type OpenApiSettings } from "./openapi/settings.js";

export type Handler<P extends Params = Params> = (req: Request<P>, res: Response) => unknown;
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "ANY";

export type { RouteMeta, RouteOptions } from "./validation/types.js";
/** A route's third argument: its middleware (the original form) or `{ schema, middleware, meta }`. */
export type RouteThird = Middleware[] | RouteOptions;

interface RouteData {
  handler: Handler;
  middleware: Middleware[];
  /** True when user code (the handler or route middleware) receives `res`. */
  exposesResponse: boolean;
  source: string;
  /** When the route needs a user (secured routes answer 401 without one). */
  secured: SecuredMode;
  /** False: the route's own `csrf = false` (no CSRF check on its unsafe requests). */
  csrf: boolean;
  meta: RouteMeta | undefined;
  schema: CheckedRouteSchema | undefined;
  run: Endpoint;
}

export type { RouteDefinitionInfo } from "./openapi/types.js";

/** One row of `tina4 routes`. */
export interface RouteInfo {
  method: string;
  path: string;
  source: string;
  middleware: string[];
  /** true: needs a user; false: public; "writes": an ANY route, secured for POST/PUT/PATCH/DELETE. */
  secured: boolean | "writes";
  /** Present (false) only on a route that opted out of the CSRF check (`csrf = false`). */
  csrf?: false;
  meta?: RouteMeta;
}

export interface AppOptions {
  /** Dev mode: error details in 500 responses, duplicate-route warnings. */
  dev?: boolean;
  /** Folder served for unmatched GET/HEAD requests; null disables static files. */
  publicDir?: string | null;
  /** Body limit in bytes (TINA4_MAX_BODY, 10 MiB). */
  maxBody?: number;
  /** Trusted proxy addresses for client IP resolution (TINA4_TRUSTED_PROXIES). */
  trustedProxies?: string[];
  /** Twig templates for `res.render` and page templates (`src/templates`); null disables both. */
  templatesDir?: string | null;
  /** `dist/templates.json` written by `tina4 build`; production renders from it. */
  precompiledTemplates?: string | null;
  /** `/openapi.json` and the `/docs` page: on in dev, in production only with TINA4_OPENAPI=true. */
  openapi?: OpenApiConfig;
}

type Routed = Request;


/**
 * An application: routes, global middleware and the request pipeline
 * (route match → body → global, group, route middleware → handler → commit).
 */
export class App {
  options: Required<Omit<AppOptions, "trustedProxies" | "openapi" | "templatesDir" | "precompiledTemplates">>;
  /** Where the OpenAPI document and docs page are served, and whether they are. */
  openapi: OpenApiSettings;
  private openapiConfig: OpenApiConfig | undefined;
  private readonly trie = new RouteTrie<RouteData>();
  private readonly global: Middleware[] = [];
  private globalChain: Endpoint | null = null;
  /** True when some global middleware is user code (it may call `res(...)`). */
  private globalExposes = false;
  private readonly groups: Array<{ prefix: string; middleware: Middleware[] }> = [];
  private proxies: TrustedProxies;
  private statics: StaticFiles | null;
  private templates: { dir: string | null; precompiled: string | null };
  /** The app's templates (null when `templatesDir` is null). */
  views: Views | null = null;
  /** Source label for routes registered while a route file is being imported. */
  currentSource = "programmatic";
  /** Set during graceful shutdown: responses then close their connection. */
  draining = false;
  /** The session() that TINA4_SESSION=true added, once added. */
  private envSession: Middleware | null = null;
  private csrfRoute = false;
  /** WebSocket routes and upgrades on this app's servers (runtime/realtime). */
  readonly realtime = new Realtime({
    request: (raw, path, search) => new Request(raw, path, search, requestIdFor(raw.headers["x-request-id"]), this.proxies),
    draining: () => this.draining,
    // upgrades are requests too: the request log and metrics (onSent hooks) count them
    upgraded: (req, status, ms) => {
      if (this.hooks.onSent.length !== 0) settleUpgrade(this.hooks.onSent, req, status, ms);
    },
  });
  /** Lifecycle hooks (docs/http.md, "Hooks"); `hooked` is false until one is added, the fast path. */
  private readonly hooks = new Hooks();
  private hooked = false;
  private notFoundEndpoint: Endpoint | null = null;
  /** `pages()` declarations: middleware and the secured check for page templates. */
  private readonly pageAccess = new PageAccess();

  constructor(options: AppOptions = {}) {
    this.options = {
      dev: options.dev ?? process.env.NODE_ENV !== "production",
      publicDir: options.publicDir === undefined ? resolve("public") : options.publicDir,
      maxBody: options.maxBody ?? setting("TINA4_MAX_BODY"),
    };
    this.proxies = new TrustedProxies(options.trustedProxies ?? setting("TINA4_TRUSTED_PROXIES"));
    this.statics = this.options.publicDir ? new StaticFiles(this.options.publicDir) : null;
    this.templates = { dir: options.templatesDir === undefined ? resolve("src/templates") : options.templatesDir, precompiled: options.precompiledTemplates ?? null };
    this.views = this.createViews();
    this.openapiConfig = options.openapi;
    this.openapi = openApiSettings(this.options.dev, options.openapi);
    this.route("GET", "/__health", () => ({ status: "ok" }), [], { source: "tina4" });
    this.route("GET", "/__ready", (_req, res) => answerReady(res, this.draining, this.options.dev), [], { source: "tina4" });
    this.sessionsFromEnv();
  }

  /** TINA4_SESSION=true: sessions for every route, as if the app began with `use(session())`. */
  private sessionsFromEnv(): void {
    if (this.envSession !== null || !setting("TINA4_SESSION")) return;
    this.envSession = session();
    this.global.unshift(this.envSession);
    this.globalChain = null;
    this.serveCsrf(this.envSession);
  }

  /** GET /__csrf, served through the first session() the app uses. */
  private serveCsrf(sessions: Middleware): void {
    if (this.csrfRoute) return;
    this.csrfRoute = true;
    this.route("GET", "/__csrf", csrfEndpoint, [sessions], { source: "tina4" });
  }

  /** Changes options after construction (the CLI configures the shared app this way). */
  configure(options: AppOptions): this {
    this.options = {
      dev: options.dev ?? this.options.dev,
      publicDir: options.publicDir === undefined ? this.options.publicDir : options.publicDir,
      maxBody: options.maxBody ?? this.options.maxBody,
    };
    if (options.trustedProxies) this.proxies = new TrustedProxies(options.trustedProxies);
    this.statics = this.options.publicDir ? new StaticFiles(this.options.publicDir) : null;
    if (options.templatesDir !== undefined) this.templates.dir = options.templatesDir;
    if (options.precompiledTemplates !== undefined) this.templates.precompiled = options.precompiledTemplates;
    this.views = this.createViews();
    if (options.openapi) this.openapiConfig = options.openapi;
    this.openapi = openApiSettings(this.options.dev, this.openapiConfig);
    this.sessionsFromEnv();
    return this;
  }

  private createViews(): Views | null {
    const { dir, precompiled } = this.templates;
    return dir ? new Views({ dir, publicDir: this.options.publicDir, dev: this.options.dev, precompiled }) : null;
  }

  /** Adds global middleware (runs for every request, before group and route middleware). */
  use(...middleware: Middleware[]): this {
    for (const item of middleware) toMiddlewareFunction(item); // validate now, not at first request
    this.global.push(...middleware);
    const sessions = middleware.find(isSessionMiddleware);
    if (sessions) this.serveCsrf(sessions);
    this.globalChain = null;
    this.globalExposes = this.hooked || this.global.some(mayCallResponse);
    return this;
  }

  /**
   * Adds a lifecycle hook: `onRequest` (after routing, may answer), `onSend` (before the
   * response is written, may replace it), `onResponse` (once it is over), `onError` (may answer
   * instead of the default error response). Hooks of one stage run in the order added.
   */
  addHook<K extends HookName>(name: K, hook: HookTypes[K]): this {
    this.hooks.add(name, hook);
    // onSent hooks never see a response to answer with: they leave responses plain and the path fast
    if (name !== "onSent") this.hookAdded();
    return this;
  }

  /** Answers errors your way (Hono's `app.onError`); same as `addHook("onError", hook)`. */
  onError(hook: OnErrorHook): this {
    return this.addHook("onError", hook);
  }

  /** Answers requests nothing matched; `res` starts at 404 and a returned value becomes the body. */
  notFound(handler: NotFoundHandler): this {
    if (typeof handler !== "function") throw new TypeError("notFound() needs a function");
    this.notFoundEndpoint = handlerEndpoint(handler);
    this.hookAdded();
    return this;
  }

  /** Hooks are user code that gets `res`, so from now on every response is the callable kind. */
  private hookAdded(): void {
    this.hooked = true;
    this.globalExposes = true;
  }

  get<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  get<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  get(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("GET", path, handler, third);
  }
  post<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  post<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  post(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("POST", path, handler, third);
  }
  put<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  put<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  put(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("PUT", path, handler, third);
  }
  patch<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  patch<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  patch(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("PATCH", path, handler, third);
  }
  del<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  del<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  del(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("DELETE", path, handler, third);
  }
  any<S extends RouteSchema>(path: string, handler: SchemaHandler<S>, options: RouteOptions<S>): this;
  any<P extends Params = Params>(path: string, handler: Handler<P>, middleware?: RouteThird): this;
  any(path: string, handler: Handler, third?: RouteThird): this {
    return this.route("ANY", path, handler, third);
  }

  /**
   * A WebSocket route: `handlers` are `{ open?, message?, close?, error? }`; path params and
   * typed params as for HTTP routes. Served on the app's own port (runtime/realtime).
   */
  websocket<P extends Params = Params>(path: string, handlers: WebSocketHandlers<P>, options: WebSocketOptions = {}): this {
    const prefix = this.groups.map((g) => g.prefix).join("");
    const fullPath = prefix + (path === "/" && prefix ? "" : path) || "/";
    const groupMiddleware = this.groups.flatMap((g) => g.middleware);
    const withGroups = groupMiddleware.length > 0 ? { ...options, middleware: [...groupMiddleware, ...(options.middleware ?? [])] } : options;
    const previous = this.realtime.add(fullPath, handlers, withGroups, this.currentSource);
    if (previous !== undefined && this.options.dev && previous !== this.currentSource) {
      log.warn(`route WS ${fullPath} from ${this.currentSource} replaces the one from ${previous}`);
    }
    return this;
  }

  /**
   * Protects page templates (`src/templates/pages/`): the page at `prefix` and every page below
   * it get `middleware` (after the global ones) and, with `secured: true`, the secured check of
   * routes — 401, or for a browser the login redirect (TINA4_LOGIN_URL). The most specific
   * declaration wins; inside `group()` the group's prefix and middleware apply.
   */
  pages(prefix: string, options: PageOptions): this {
    const fullPrefix = this.groups.map((g) => g.prefix).join("") + (prefix === "/" && this.groups.length > 0 ? "" : prefix) || "/";
    const previous = this.pageAccess.add(fullPrefix, options, this.currentSource, this.groups.flatMap((g) => g.middleware));
    if (this.options.dev) {
      if (previous !== undefined && previous.source !== this.currentSource) log.warn(`pages("${previous.prefix}") from ${this.currentSource} replaces the one from ${previous.source}`);
      this.warnIfNoPages(fullPrefix);
    }
    return this;
  }

  /** Dev: a declaration that covers no page template is most likely a typo that leaves the page it meant open. */
  private warnIfNoPages(prefix: string): void {
    if (!this.views) return;
    const pages = pageRoutes(this.views).map((page) => page.path);
    const rule = this.pageAccess.ruleFor(prefix);
    if (rule === null || pages.some((path) => this.pageAccess.ruleFor(path) === rule)) return;
    log.warn(`pages("${rule.prefix}") (${rule.source}) covers no page template: no src/templates/pages${rule.prefix === "/" ? "" : rule.prefix}.twig or folder of that name (pages: ${pages.slice(0, 5).join(", ") || "none"}${pages.length > 5 ? ", ..." : ""})`);
  }

  /** How `tina4 routes` lists the page template at `path`: whether it needs a user, and its middleware. */
  pageInfo(path: string): { secured: boolean; middleware: string[] } {
    const rule = this.pageAccess.ruleFor(path);
    return { secured: rule?.secured ?? false, middleware: listedMiddleware([...this.global, ...(rule?.middleware ?? [])]) };
  }

  /**
   * Registers routes under `prefix` with shared middleware. The callback registers
   * synchronously (through this app or the top-level `get/post/...`).
   */
  group(prefix: string, register: (app: this) => void, middleware: Middleware[] = []): this {
    if (!prefix.startsWith("/")) throw new RouterError(RouterErrorCode.PATTERN, `Group prefix must start with "/": ${prefix}`);
    for (const item of middleware) toMiddlewareFunction(item);
    this.groups.push({ prefix: prefix.replace(/\/+$/, ""), middleware });
    try {
      const result = register(this) as unknown;
      if (isThenable(result)) {
        throw new RouterError(RouterErrorCode.GROUP_ASYNC, `group("${prefix}") callback must register routes synchronously`);
      }
    } finally {
      this.groups.pop();
    }
    return this;
  }

  route<P extends Params = Params>(
    method: Method | Lowercase<Method>,
    path: string,
    handler: Handler<P>,
    third: RouteThird = [],
    options: { source?: string; meta?: RouteMeta; schema?: unknown; secured?: unknown; csrf?: unknown } = {},
  ): this {
    const verb = method.toUpperCase();
    if (typeof handler !== "function") {
      throw new RouterError(RouterErrorCode.HANDLER, `Handler for ${verb} ${path} must be a function`);
    }
    // defineRoute() results carry their own schema, middleware and meta.
    const defined = routeDefinitionOf(handler);
    if (defined) handler = defined.handler as unknown as Handler<P>;
    const routeOptions: RouteOptions = Array.isArray(third) ? { middleware: third } : (third ?? {});
    if (typeof routeOptions !== "object" || !Array.isArray(routeOptions.middleware ?? []) || !Array.isArray(defined?.middleware ?? [])) {
      throw new RouterError(RouterErrorCode.MIDDLEWARE, `Middleware for ${verb} ${path} must be an array`);
    }
    const middleware = [...(defined?.middleware ?? []), ...(routeOptions.middleware ?? [])];
    for (const item of middleware) toMiddlewareFunction(item);
    const prefix = this.groups.map((g) => g.prefix).join("");
    const fullPath = prefix + (path === "/" && prefix ? "" : path) || "/";
    const chain = [...this.groups.flatMap((g) => g.middleware), ...middleware];
    const source = options.source ?? this.currentSource;
    const rawSchema = options.schema ?? routeOptions.schema ?? defined?.schema;
    const schema = rawSchema === undefined ? undefined : checkRouteSchema(rawSchema, `${verb} ${fullPath} (${source})`);
    const endpoint = handlerEndpoint(handler as Handler);
    const rawSecured = options.secured ?? routeOptions.secured;
    if (rawSecured !== undefined && typeof rawSecured !== "boolean") {
      throw new RouterError(RouterErrorCode.SECURED, `${verb} ${fullPath} (${source}): "secured" must be true or false, got ${JSON.stringify(rawSecured)}`);
    }
    const secured = securedMode(verb, rawSecured, setting("TINA4_SECURE_WRITES"));
    const rawCsrf = options.csrf ?? routeOptions.csrf;
    if (rawCsrf !== undefined && typeof rawCsrf !== "boolean") {
      throw new RouterError(RouterErrorCode.CSRF, `${verb} ${fullPath} (${source}): "csrf" must be true or false, got ${JSON.stringify(rawCsrf)}`);
    }
    const csrf = rawCsrf !== false;
    const sessions = chain.find(isSessionMiddleware);
    const data: RouteData = {
      handler: handler as Handler,
      middleware: chain,
      source,
      meta: options.meta ?? routeOptions.meta ?? defined?.meta,
      schema,
      secured,
      csrf,
      // a handler that only uses res.text(...) and the like gets the plain response (middleware/calls-parameter.ts)
      exposesResponse: chain.some(mayCallResponse) || mayUseAsFunction(handler, 1),
      // the secured check comes after middleware (which may authenticate) and before validation: 401 wins over 422
      run: compose(
        chain,
        guardEndpoint(schema ? validatingEndpoint(schema, endpoint, { route: `${verb} ${fullPath} (${source})`, isDev: () => this.options.dev }) : endpoint, secured, csrf),
      ),
    };
    const previous = this.trie.add(verb, fullPath, data);
    if (sessions) this.serveCsrf(sessions);
    if (previous && this.options.dev && previous.data.source !== data.source) {
      log.warn(`route ${verb} ${fullPath} from ${data.source} replaces the one from ${previous.data.source}`);
    }
    return this;
  }

  /** How many routes are registered (what `routes().length` says, without building the list). */
  get routeCount(): number {
    return this.trie.size;
  }

  routes(): RouteInfo[] {
    return this.trie
      .entries()
      .map((entry: RouteEntry<RouteData>) => ({
        method: entry.method,
        path: entry.pattern,
        source: entry.data.source,
        middleware: listedMiddleware([...this.global, ...entry.data.middleware]),
        secured: entry.data.secured === "unsafe" ? ("writes" as const) : entry.data.secured === "always",
        ...(entry.data.csrf ? {} : { csrf: false as const }),
        ...(entry.data.meta ? { meta: entry.data.meta } : {}),
      }))
      .concat(this.realtime.routes().map((ws) => ({ method: "WS", path: ws.path, source: ws.source, middleware: ws.middleware, secured: ws.secured })))
      .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  /** Every route with its pattern segments, meta and schema (what the OpenAPI document is built from). */
  routeDefinitions(): RouteDefinitionInfo[] {
    return this.trie.entries().map((entry: RouteEntry<RouteData>) => ({
      method: entry.method,
      path: entry.pattern,
      segments: entry.segments,
      source: entry.data.source,
      meta: entry.data.meta,
      schema: entry.data.schema,
      secured: entry.data.secured,
    }));
  }

  /** The node:http request listener. */
  readonly handle = (raw: IncomingMessage, rawRes: ServerResponse): void => {
    const sent = this.hooks.onSent;
    const started = sent.length === 0 ? 0 : monotonicNow();
    const requestId = requestIdFor(raw.headers["x-request-id"]);
    const url = raw.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    let req: Routed;
    try {
      req = new Request(raw, path, q < 0 ? "" : url.slice(q + 1), requestId, this.proxies);
    } catch (error) {
      req = new Request(raw, path, "", requestId, this.proxies);
      this.failEarly(req, rawRes, error, started);
      return;
    }
    if (mayOverrideMethod(raw, req.method)) return this.overrideThenServe(req, rawRes, started);
    this.serve(req, rawRes, started, false);
  };

  /**
   * A form POST: its body is read before routing, because a `_method` field in it may route it as
   * PUT, PATCH or DELETE (http/method-override.ts). Such bodies were read before the middleware
   * anyway; only the onRequest hooks now run after the read rather than before it.
   */
  private overrideThenServe(req: Routed, rawRes: ServerResponse, started: number): void {
    parseBody(req, this.options.maxBody).then(
      () => {
        try {
          applyMethodOverride(req);
        } catch (error) {
          return this.failEarly(req, rawRes, error, started);
        }
        this.serve(req, rawRes, started, true);
      },
      (error: unknown) => this.failEarly(req, rawRes, error, started),
    );
  }

  /** Routes the request, then runs hooks, body, middleware and the route (`bodyRead`: the body is parsed already). */
  private serve(req: Routed, rawRes: ServerResponse, started: number, bodyRead: boolean): void {
    const path = req.path;
    // User code sees `res` when global user middleware or the route exposes it.
    let exposes = this.globalExposes;
    try {
      const method = req.method;
      // the raw path as received: only a canonical one can equal a static route (trie.ts)
      const fast = this.trie.matchStatic(method, path);
      if (fast) {
        req.route = fast.pattern;
        req[kEndpoint] = fast.data.run;
        exposes ||= fast.data.exposesResponse;
      } else {
        const segments = decodeSegments(path);
        const match = this.trie.match(method, segments);
        if (match.kind === "found") {
          req.params = match.params;
          req.route = match.entry.pattern;
          req[kEndpoint] = match.entry.data.run;
          exposes ||= match.entry.data.exposesResponse;
        } else {
          // A GET with no GET route renders src/templates/pages/<path>.twig when there is one.
          const page = this.views !== null && (method === "GET" || method === "HEAD") ? pageFor(this.views, segments, this.pageAccess) : null;
          if (page !== null) {
            req.route = page.path;
            req[kEndpoint] = page.endpoint;
            // a page's middleware (pages()) is user code too
            exposes ||= this.pageAccess.exposesResponse;
          } else {
            req[kEndpoint] = this.fallback(match.kind === "method-not-allowed" ? match.allowed : null, segments);
          }
        }
      }
    } catch (error) {
      this.failEarly(req, rawRes, error, started);
      return;
    }
    const res = createResponse(rawRes, exposes, req, this.views);
    if (this.hooked) this.runHooked(req, res, bodyRead);
    else this.receive(req, res, bodyRead);
    const sent = this.hooks.onSent;
    if (sent.length !== 0) settleResponse(sent, req, res, started);
  }

  /** Reads the body, if there is one (and it was not read for a method override), then runs the middleware and the route. */
  private receive(req: Routed, res: Response, bodyRead: boolean): void {
    if (!bodyRead && hasBody(req.raw)) {
      parseBody(req, this.options.maxBody).then(
        () => this.dispatch(req, res),
        (error: unknown) => this.fail(req, res, error),
      );
    } else {
      this.dispatch(req, res);
    }
  }

  /** The request path once hooks exist: onResponse watches, onRequest hooks may answer first. */
  private runHooked(req: Routed, res: Response, bodyRead: boolean): void {
    const { onRequest, onResponse } = this.hooks;
    if (onResponse.length !== 0) watchResponse(onResponse, req, res);
    if (onRequest.length === 0) return this.receive(req, res, bodyRead);
    runRequestHooks(
      onRequest,
      req,
      res,
      (hookAnswered) => (hookAnswered ? this.respond(req, res, this.draining || unreadBody(req)) : this.receive(req, res, bodyRead)),
      (error) => this.fail(req, res, error),
    );
  }

  /** A request that failed before it was routed (bad query string or path). */
  private failEarly(req: Routed, rawRes: ServerResponse, error: unknown, started: number): void {
    const res = createResponse(rawRes, this.hooked, req, this.views);
    if (this.hooks.onResponse.length !== 0) watchResponse(this.hooks.onResponse, req, res);
    this.fail(req, res, error);
    if (this.hooks.onSent.length !== 0) settleResponse(this.hooks.onSent, req, res, started);
  }

  /** Runs the onSend hooks (the response's own, then the app's), then writes the response. */
  private respond(req: Request, res: Response, closeConnection: boolean, failing = false): void {
    const own = sendHooksOf(res);
    const appHooks = this.hooks.onSend;
    if (own === undefined && appHooks.length === 0) return commit(req, res, closeConnection);
    const raw = res.raw;
    if (raw.headersSent || raw.writableEnded || raw.destroyed) return; // a handler answered on res.raw
    const write = () => commit(req, res, closeConnection);
    const failed = (error: unknown) => {
      if (!failing) return this.fail(req, res, error);
      log.error(`onSend hook failed on an error response: ${(error as Error)?.stack ?? String(error)}`);
      write();
    };
    const runAppHooks = () => runSendHooks(appHooks, req, res, write, failed);
    if (own === undefined) runAppHooks();
    else runSendHooks(own, req, res, runAppHooks, failed);
  }

  private dispatch(req: Routed, res: Response, scoped = false): void {
    // a request context per request, only once a layer below (the DB query cache) asked for them
    if (requestContextsWanted && !scoped) return runInRequestContext(() => this.dispatch(req, res, true));
    let result: unknown;
    try {
      result = this.global.length === 0 ? req[kEndpoint]!(req, res) : this.chain()(req, res);
    } catch (error) {
      this.fail(req, res, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => this.respond(req, res, this.draining),
        (error: unknown) => this.fail(req, res, error),
      );
    } else {
      this.respond(req, res, this.draining);
    }
  }

  private chain(): Endpoint {
    return (this.globalChain ??= compose(this.global, (req, res) => (req as Routed)[kEndpoint]!(req, res)));
  }

  private fail(req: Request, res: Response, error: unknown): void {
    if (res.raw.headersSent) {
      res.raw.destroy(error instanceof Error ? error : undefined);
      return;
    }
    const onError = this.hooks.onError;
    if (onError.length === 0) return this.sendError(req, res, error, false);
    res.payload = { kind: "none" }; // the body being built is abandoned: a hook answers afresh
    runErrorHooks(onError, error, req, res, () => this.sendError(req, res, error, res.ended));
  }

  /** The error response: an onError hook's answer, else tina4's own (renderError). */
  private sendError(req: Request, res: Response, error: unknown, hookAnswered: boolean): void {
    if (res.raw.headersSent || res.raw.destroyed) return;
    if (!hookAnswered) this.renderDefaultError(req, res, error);
    // an app's error page answered: the server error still reaches the log (renderError logs the others)
    else if (statusOf(error) >= 500) logServerError(req, error);
    this.respond(req, res, this.draining || unreadBody(req), true);
  }

  private renderDefaultError(req: Request, res: Response, error: unknown): void {
    try {
      renderError(req, res, error, this.options.dev);
    } catch (renderFailure) {
      log.error(`error while rendering an error response: ${String(renderFailure)}`);
      res.statusCode = 500;
      res.payload = { kind: "data", data: '{"error":"Internal Server Error"}' };
    }
  }

  /** The endpoint for a request no route or page template matched: OPTIONS/405, static file or 404. */
  private fallback(allowed: string[] | null, segments: string[]): Endpoint {
    return async (req, res) => {
      if (allowed) {
        if (req.method === "OPTIONS") {
          res.header("allow", allowed.join(", ")).status(204);
          return;
        }
        throw new HttpError(405, "Method Not Allowed", { code: HttpErrorCode.METHOD_NOT_ALLOWED, details: { allow: allowed.join(", ") } });
      }
      const readOnly = req.method === "GET" || req.method === "HEAD";
      if (this.statics && readOnly) {
        const found = await this.statics.lookup(segments);
        if (found.kind === "file") {
          this.statics.serve(req, res, found);
          return;
        }
        if (found.kind === "forbidden") throw new HttpError(400, "Invalid path", { code: HttpErrorCode.BAD_PATH });
      }
      // A plain request to a WebSocket-only path: tell the client to upgrade.
      if (this.realtime.has(segments)) {
        res.header("upgrade", "websocket");
        throw new HttpError(426, "Upgrade Required", { code: RealtimeErrorCode.UPGRADE_REQUIRED });
      }
      // The OpenAPI document and docs page answer only where no app route or public file does.
      if (readOnly && this.openapi.enabled && isOpenApiPath(this.openapi, req.path)) {
        const { serveOpenApi } = await import("./openapi/serve.js");
        if (serveOpenApi(this, req, res, this.openapi)) return;
      }
      // a 404 page (notFound, or an onError hook) shows the logged-in user as any page does
      await identify(req);
      if (this.notFoundEndpoint) {
        res.status(404);
        return this.notFoundEndpoint(req, res);
      }
      // Dev only: a scrape of /__metrics while TINA4_METRICS is off (its route would have matched) says how to
      // turn it on; production keeps a plain 404 so it does not reveal configuration.
      const details = this.options.dev && req.path === "/__metrics" ? { path: req.path, hint: METRICS_OFF_HINT } : { path: req.path };
      throw new HttpError(404, "Not Found", { code: HttpErrorCode.NOT_FOUND, details });
    };
  }
}

/** A body we did not read (413, a rejection before parsing, a hook's answer) would poison keep-alive. */
function unreadBody(req: Request): boolean {
  return !req.raw.complete && hasBody(req.raw);
}

/** Calls the handler; a returned value (sync or async) becomes the body unless one was set. */
function handlerEndpoint(handler: Handler): Endpoint {
  return (req, res) => {
    const out = handler(req, res);
    if (isThenable(out)) {
      return Promise.resolve(out).then((value) => {
        if (value !== undefined && !res.ended && value !== res) res.send(value);
        if (res.payload.kind === "file") return completeFile(req, res);
      });
    }
    if (out !== undefined && !res.ended && out !== res) res.send(out);
    // res.file(): validators, Accept-Ranges and Range (206/416) before the route's middleware see it
    return res.payload.kind === "file" ? completeFile(req, res) : undefined;
  };
}

const METRICS_OFF_HINT = "metrics are off: set TINA4_METRICS=true (docs/operations.md)";

/** Names of a route's chain as it runs: a session() after the first is a pass-through (it sees req.session set), so it is not listed again. */
function listedMiddleware(chain: Middleware[]): string[] {
  const first = chain.findIndex(isSessionMiddleware);
  return chain.filter((mw, i) => i <= first || !isSessionMiddleware(mw)).map(middlewareName);
}
