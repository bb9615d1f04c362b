import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kSession, type Request } from "../http/request.js";
import { TemplateError, TemplateErrorCode } from "./errors.js";
import { escapeHtml } from "../http/escape-html.js";
import { assetVersion } from "../http/asset-version.js";
import { METHOD_FIELD, OVERRIDABLE_METHODS } from "../http/method-override.js";

/** The request behind a `request` variable (a symbol: templates cannot name it). */
const REQUEST = Symbol("tina4.templates.request");

/** What templates see as `request`: a copy, so no template reaches the socket or the raw request. */
export interface TemplateRequest {
  path: string;
  method: string;
  query: Request["query"];
  [REQUEST]: Request;
}

/** Auth (SPEC §10) adds this to the request; templates use it when present. */
interface AuthAware {
  user?: unknown;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * `asset(path)`: the public URL of a file under public/. In production it carries a content
 * hash (`/css/app.css?v=1a2b3c4d5e`), so browsers may cache assets for ever and still get a
 * new file after a deploy; hashes are computed once per file and process. In dev the URL is
 * plain (live reload swaps stylesheets itself). Absolute URLs pass through unchanged.
 */
export class AssetUrls {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly publicDir: string | null, private readonly hashed: boolean) {}

  url(path: unknown): string {
    const text = String(path ?? "");
    if (EXTERNAL.test(text)) return text;
    const [file = "", rest = ""] = text.split(/(?=[?#])/, 2);
    const clean = file.replace(/^\/+/, "");
    for (const segment of clean.split("/")) {
      if (segment === ".." || segment === "." || segment.includes("\\") || segment.includes("\0")) {
        throw new TemplateError(TemplateErrorCode.SANDBOX, `asset(${JSON.stringify(text)}): the path must stay inside public/`);
      }
    }
    const url = "/" + clean;
    if (!this.hashed || !this.publicDir || rest) return url + rest;
    let known = this.hashes.get(clean);
    if (known === undefined) {
      try {
        known = `${url}?v=${assetVersion(readFileSync(join(this.publicDir, clean)))}`;
      } catch {
        known = url; // no such file: a plain URL (the request will 404 as it should)
      }
      this.hashes.set(clean, known);
    }
    return known;
  }
}

/**
 * The variables every render gets, below the data passed to it: `request` (path, method,
 * query; null outside a request), and `session` and `user` when auth has set them, and `flash`
 * when the previous request flashed something. Only
 * these go into the render context: twig.js copies the context for every loop iteration, so
 * each extra variable costs on every row.
 */
export function templateGlobals(req: Request | null | undefined): Record<string, unknown> {
  if (!req) return { request: null };
  const request: TemplateRequest = { path: req.path, method: req.method, query: req.query, [REQUEST]: req };
  const globals: Record<string, unknown> = { request };
  const { user } = req as Request & AuthAware;
  const session = req[kSession]; // not req.session: that throws when sessions are off
  if (session !== undefined) {
    globals.session = session;
    // `flash`: what the previous request flashed (only when there is some: each global costs per loop row)
    const flashes = typeof (session as { flashes?: unknown }).flashes === "function" ? (session as { flashes(): Record<string, unknown> }).flashes() : null;
    if (flashes !== null && Object.keys(flashes).length > 0) globals.flash = flashes;
  }
  if (user !== undefined) globals.user = user;
  return globals;
}

/**
 * `csrf_field()`: a hidden `_csrf` input with the session's token (`req.csrfToken()`) on
 * routes with sessions, else nothing. `context` is the render context it is called from.
 */
export function csrfField(context: Record<string, unknown>, markup: (html: string) => unknown): unknown {
  const request = context.request as Partial<TemplateRequest> | null | undefined;
  const req = request?.[REQUEST];
  if (req?.[kSession] === undefined) return "";
  return markup(`<input type="hidden" name="_csrf" value="${escapeHtml(String(req.csrfToken()))}">`);
}

/**
 * `method_field("DELETE")`: the hidden `_method` input that routes a `<form method="post">` as
 * PUT, PATCH or DELETE (http/method-override.ts); `"POST"` prints nothing, so one form partial
 * serves create and edit. Any other value fails the render: the server would refuse it (400).
 */
export function methodField(method: unknown, markup: (html: string) => unknown): unknown {
  const verb = typeof method === "string" ? method.toUpperCase() : "";
  if (verb === "POST") return "";
  if (!OVERRIDABLE_METHODS.has(verb)) {
    throw new TemplateError(TemplateErrorCode.RENDER, `method_field(${JSON.stringify(method)}): a form can only be sent as PUT, PATCH or DELETE (or POST)`);
  }
  return markup(`<input type="hidden" name="${METHOD_FIELD}" value="${verb}">`);
}
