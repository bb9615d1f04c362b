import type { Views } from "./views.js";
import type { Endpoint } from "../middleware/compose.js";
import type { PageAccess } from "./page-access.js";

/** Page templates live here; `/about` renders `pages/about.twig` or `pages/about/index.twig`. */
export const PAGES_DIR = "pages";

/**
 * The page templates a request path may map to, in the order tried; null when a segment
 * cannot name a page (empty, `.`/`_` prefixed — partials and dot-files are never served —
 * or holding a separator or NUL).
 */
export function pageCandidates(segments: readonly string[]): string[] | null {
  if (segments.length === 0) return [`${PAGES_DIR}/index.twig`];
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".") || segment.startsWith("_") || /[\\/\0]/.test(segment)) return null;
  }
  const base = `${PAGES_DIR}/${segments.join("/")}`;
  return [`${base}.twig`, `${base}/index.twig`];
}

/** The page template for a request path, or null. */
export function findPage(views: Views, segments: readonly string[]): string | null {
  const candidates = pageCandidates(segments);
  if (!candidates) return null;
  for (const name of candidates) if (views.has(name)) return name;
  return null;
}

/**
 * The routing step for a GET or HEAD that no route takes: the page template it renders, as the
 * URL path that names it (`req.route`, bounded by the page files: log lines and metrics name
 * the page) and the endpoint that answers it (page-access.ts: the page's middleware, the
 * secured check, the render). Null when there is none. Resolved when routes are, so the hooks
 * and global middleware see a page request as they see a routed one.
 */
export function pageFor(views: Views, segments: readonly string[], access: PageAccess): { path: string; endpoint: Endpoint } | null {
  const name = findPage(views, segments);
  if (name === null) return null;
  const path = pagePath(name);
  return { path, endpoint: access.endpointFor(name, path) };
}

/** The URL a page template answers (`pages/about/index.twig` → `/about`, `pages/index.twig` → `/`). */
export function pagePath(template: string): string {
  const segments = template.slice(PAGES_DIR.length + 1, -".twig".length).split("/");
  if (segments[segments.length - 1] === "index") segments.pop();
  return "/" + segments.join("/");
}

export interface PageRoute {
  /** URL path (`/about`). */
  path: string;
  /** Template name (`pages/about.twig`). */
  template: string;
  /** Absolute file path. */
  file: string;
}

/** Every servable page, one per URL (the template `findPage` would pick), sorted by path. */
export function pageRoutes(views: Views): PageRoute[] {
  const byPath = new Map<string, { route: PageRoute; rank: number }>();
  for (const template of views.list()) {
    if (!template.startsWith(`${PAGES_DIR}/`) || !template.endsWith(".twig")) continue;
    const segments = template.slice(PAGES_DIR.length + 1, -".twig".length).split("/");
    if (segments[segments.length - 1] === "index") segments.pop();
    const rank = pageCandidates(segments)?.indexOf(template) ?? -1;
    if (rank < 0) continue;
    const path = "/" + segments.join("/");
    const existing = byPath.get(path);
    if (existing && existing.rank <= rank) continue;
    byPath.set(path, { route: { path, template, file: views.files.pathOf(template) }, rank });
  }
  return [...byPath.values()].map((entry) => entry.route).sort((a, b) => a.path.localeCompare(b.path));
}
