import type { Request } from "../../runtime/http/request.js";
import type { Response } from "../../runtime/http/response.js";
import type { LoadError } from "../cluster/protocol.js";
import { escapeHtml } from "../../runtime/http/escape-html.js";
import { prefersHtml } from "../../runtime/http/accepts.js";

/**
 * Answers a request with the load error: an HTML page for browser page loads (decided as for
 * tina4's error pages, runtime/http/accepts.ts; the live-reload client is added to it like to
 * any page, so it recovers by itself once the file is fixed), JSON otherwise (fetch(), curl,
 * XHR). Status 500, never cached.
 */
export function answerLoadError(req: Request, res: Response, error: LoadError): void {
  res.status(500).header("cache-control", "no-store");
  if (!prefersHtml(req.headers)) {
    res.json({ error: "App failed to load", code: "T4_ERR_DEV_LOAD", message: error.message, file: error.file, line: error.line, column: error.column, frame: error.frame });
    return;
  }
  const location = error.file ? `${error.file}${error.line ? `:${error.line}:${error.column ?? 1}` : ""}` : undefined;
  res.html(`<!doctype html><html><head><meta charset="utf-8"><title>Build error — tina4</title>
<style>body{font:14px/1.5 ui-monospace,monospace;background:#1e1e24;color:#eee;margin:0;padding:2rem}
h1{color:#ff6b6b;font-size:1.2rem}pre{background:#111;padding:1rem;overflow:auto;border-radius:6px}.file{color:#8be9fd}small{color:#999}</style></head>
<body><h1>Failed to load app code</h1>${location ? `<p class="file">${escapeHtml(location)}</p>` : ""}
<pre>${escapeHtml(error.message)}</pre>${error.frame ? `<pre>${escapeHtml(error.frame)}</pre>` : ""}
<small>tina4 dev mode · the last good code is kept; this page reloads when the file is fixed</small></body></html>`);
}
