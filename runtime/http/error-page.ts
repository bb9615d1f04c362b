/**
 * HTML error pages for browsers (error-response.ts decides when): the app's own template
 * `src/templates/errors/<status>.twig`, else `errors/4xx.twig` / `errors/5xx.twig`, else a
 * built-in page. A page shows only what the JSON body of the same error carries — so a
 * production 500 shows a generic message and the request id, never the error or its stack —
 * and everything in it is HTML-escaped. The dev page of a server error (message, stack, code
 * frame, redacted as the log is) is `devErrorPage`.
 */
import { STATUS_CODES } from "node:http";
import type { Request } from "./request.js";
import { escapeHtml } from "./escape-html.js";
import { warnEvery } from "../log.js";

/** What error pages need of the app's templates (runtime/templates/views.ts). */
export interface ErrorTemplates {
  has(name: string): boolean;
  render(name: string, data: Record<string, unknown> | null | undefined, req: Request | null): string;
}

/** The variables an error template gets (on top of the usual globals: request, user, session...). */
export interface ErrorPageData extends Record<string, unknown> {
  status: number;
  /** The status's reason phrase ("Not Found"). */
  title: string;
  /** The error message the JSON body carries (generic for a production 5xx). */
  message: string;
  requestId: string;
  path: string;
  code?: string;
  /** The failing fields of a 422 (`{in, path, message}` or `{field, message}`). */
  errors?: unknown[];
  /** The whole JSON body an API client gets for this error. */
  error: Record<string, unknown>;
}

/** The templates tried for a status, most specific first. */
export function errorTemplateNames(status: number): string[] {
  return [`errors/${status}.twig`, `errors/${Math.floor(status / 100)}xx.twig`];
}

export function errorPageData(req: Request, status: number, body: Record<string, unknown>): ErrorPageData {
  const data: ErrorPageData = {
    status,
    title: STATUS_CODES[status] ?? "Error",
    message: String(body.error ?? STATUS_CODES[status] ?? "Error"),
    requestId: req.requestId,
    path: req.path,
    error: body,
  };
  if (typeof body.code === "string") data.code = body.code;
  if (Array.isArray(body.errors)) data.errors = body.errors;
  return data;
}

/**
 * The page for `body`: the app's error template when it has one, else the built-in page. A
 * template that fails to render is logged (a warning naming it) and the built-in page answers:
 * an error page never fails, loops or comes out blank.
 */
export function htmlErrorPage(req: Request, status: number, body: Record<string, unknown>, templates: ErrorTemplates | null): string {
  const data = errorPageData(req, status, body);
  if (templates) {
    for (const name of errorTemplateNames(status)) {
      let found = false;
      try {
        found = templates.has(name);
        if (found) {
          const html = templates.render(name, data, req);
          if (html.trim() !== "") return html;
          warnEvery(`error-template:${name}:blank`, `error page template ${name} rendered nothing for ${status}; answered with the built-in page`);
        }
      } catch (error) {
        const reason = (error as Error)?.message ?? String(error);
        warnEvery(`error-template:${name}:${reason}`, `error page template ${name} failed for ${status} (${reason}); answered with the built-in page`);
      }
      if (found) break;
    }
  }
  return builtInErrorPage(data, req.method);
}

/** What the built-in page says when the message only repeats the status's name. */
function plainWords(data: ErrorPageData, method: string): string {
  switch (data.status) {
    case 400: return "The request could not be understood.";
    case 401: return "You need to sign in to see this page.";
    case 403: return "You are not allowed to do that.";
    case 404: return `There is no page at ${data.path}.`;
    case 405: return `This address does not accept ${method} requests.`;
    case 429: return "Too many requests: wait a moment and try again.";
    case 503: return "The service is unavailable right now: try again in a moment.";
    default: return data.status >= 500 ? "Something went wrong on our side. If it keeps happening, quote the request id below." : "";
  }
}

function fieldErrors(errors: unknown[] | undefined): string {
  if (!errors || errors.length === 0) return "";
  const items = errors.map((item) => {
    if (typeof item !== "object" || item === null) return `<li>${escapeHtml(String(item))}</li>`;
    const fields = item as Record<string, unknown>;
    const where = fields.path ?? fields.field;
    const label = where === undefined || where === "" ? "" : `<code>${escapeHtml(String(where))}</code> `;
    return `<li>${label}${escapeHtml(String(fields.message ?? ""))}</li>`;
  });
  return `<ul>${items.join("")}</ul>`;
}

/** The built-in page: status, reason, message, the fields of a 422, the request id. */
export function builtInErrorPage(data: ErrorPageData, method: string): string {
  const said = data.message === data.title ? plainWords(data, method) : data.message;
  // a client error from another layer carries its own message in dev only (error-response.ts)
  const detail = typeof data.error.message === "string" && data.status < 500 ? `<p class="detail">${escapeHtml(data.error.message)}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${data.status} ${escapeHtml(data.title)}</title>
<style>body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f6f8fa;display:grid;min-height:100vh;place-items:center}
main{max-width:34rem;padding:2.5rem;background:#fff;border:1px solid #d0d7de;border-radius:10px}.status{margin:0;font-size:3rem;font-weight:700;color:#8c959f}
h1{margin:.2rem 0 1rem;font-size:1.4rem}code{font-size:.9em;background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}.detail,small{color:#57606a}a{color:#0969da}</style></head>
<body><main><p class="status">${data.status}</p><h1>${escapeHtml(data.title)}</h1>
${said === "" ? "" : `<p>${escapeHtml(said)}</p>`}${detail}${fieldErrors(data.errors)}
<p><a href="/">Home page</a></p><small>Request id <code>${escapeHtml(data.requestId)}</code></small></main></body></html>`;
}

/** Dev only: a server error's message, code frame and stack (already redacted by the caller). */
export function devErrorPage(status: number, body: Record<string, unknown>): string {
  const stack = Array.isArray(body.stack) ? (body.stack as string[]).join("\n") : "";
  return `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${escapeHtml(String(body.error))}</title>
<style>body{font:14px/1.5 ui-monospace,monospace;background:#1e1e24;color:#eee;margin:0;padding:2rem}
h1{color:#ff6b6b;font-size:1.3rem}pre{background:#111;padding:1rem;overflow:auto;border-radius:6px}small{color:#999}</style></head>
<body><h1>${status} — ${escapeHtml(String(body.message ?? body.error))}</h1>
${typeof body.frame === "string" ? `<pre>${escapeHtml(body.frame)}</pre>` : ""}<pre>${escapeHtml(stack)}</pre><small>request ${escapeHtml(String(body.requestId))} · tina4 dev mode</small></body></html>`;
}
