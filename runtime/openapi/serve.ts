import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Request } from "../http/request.js";
import type { Response } from "../http/response.js";
import { packageRequire } from "../package-require.js";
import { buildOpenApiDocument, type OpenApiDocument } from "./document.js";
import type { OpenApiSettings } from "./settings.js";
import type { DocumentedApp } from "./types.js";
import { escapeHtml } from "../http/escape-html.js";

/** Swagger UI files the page loads, served from the installed swagger-ui-dist package. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

let assetDir: string | undefined;
const documents = new WeakMap<DocumentedApp, { routeCount: number; text: string }>();

/** The app's package.json name and version, for `info` when none is configured. */
function packageInfo(app: DocumentedApp): { title?: string; version?: string } {
  const root = app.options.publicDir ? dirname(app.options.publicDir) : process.cwd();
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
    return { ...(typeof pkg.name === "string" ? { title: pkg.name } : {}), ...(typeof pkg.version === "string" ? { version: pkg.version } : {}) };
  } catch {
    return {};
  }
}

/** The app's document: `info` from the settings, else the app's package.json; the docs paths left out. */
export function appDocument(app: DocumentedApp, settings: OpenApiSettings): OpenApiDocument {
  return buildOpenApiDocument(app, { ...packageInfo(app), ...settings, exclude: [settings.path, settings.docsPath, ...(settings.exclude ?? [])] });
}

/** The document as JSON text, rebuilt only when routes were added since. */
export function documentText(app: DocumentedApp, settings: OpenApiSettings): string {
  const cached = documents.get(app);
  if (cached && cached.routeCount === app.routeCount) return cached.text;
  const text = JSON.stringify(appDocument(app, settings));
  documents.set(app, { routeCount: app.routeCount, text });
  return text;
}

function page(settings: OpenApiSettings, title: string): string {
  const base = escapeHtml(settings.docsPath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — API docs</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`;
}

/** Swagger UI's start-up; a file of its own so a strict CSP (script-src 'self') allows it. */
function initScript(settings: OpenApiSettings): string {
  // The base layout (no top bar, no online-validator badge): everything comes from this server.
  return `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(settings.path)}, dom_id: "#swagger-ui", deepLinking: true });\n`;
}

/**
 * Answers the OpenAPI document, the docs page and its assets. Returns false for any other
 * path below the docs path (the caller then answers 404).
 */
export function serveOpenApi(app: DocumentedApp, req: Request, res: Response, settings: OpenApiSettings): boolean {
  const path = req.path;
  if (path === settings.path) {
    res.header("cache-control", "no-cache").send(documentText(app, settings), 200, "application/json; charset=utf-8");
    return true;
  }
  if (path === settings.docsPath || path === settings.docsPath + "/") {
    const title = settings.title ?? packageInfo(app).title ?? "tina4 app";
    res.header("cache-control", "no-cache").html(page(settings, title));
    return true;
  }
  const name = path.slice(settings.docsPath.length + 1);
  if (name === "init.js") {
    res.header("cache-control", "no-cache").send(initScript(settings), 200, "text/javascript; charset=utf-8");
    return true;
  }
  const type = ASSETS[name];
  if (!type) return false;
  assetDir ??= dirname(packageRequire().resolve("swagger-ui-dist/package.json"));
  res.header("cache-control", "public, max-age=86400").file(join(assetDir, name), type);
  return true;
}
