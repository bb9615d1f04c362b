import type { OpenApiOptions } from "./types.js";
import { setting } from "../config/settings.js";

/** `new App({ openapi })`: where the document and docs page live and whether they are served. */
export interface OpenApiConfig extends OpenApiOptions {
  /** Default: on in dev; in production only with TINA4_OPENAPI=true. */
  enabled?: boolean;
  /** The document (TINA4_OPENAPI_PATH, default /openapi.json). */
  path?: string;
  /** The docs page (TINA4_DOCS_PATH, default /docs); its assets are served below it. */
  docsPath?: string;
}

export interface OpenApiSettings extends OpenApiOptions {
  enabled: boolean;
  path: string;
  docsPath: string;
}


function checkedPath(name: string, value: string): string {
  if (!value.startsWith("/") || /[\s?#]/.test(value)) throw new TypeError(`${name} must be a path starting with "/" (got ${JSON.stringify(value)})`);
  return value.length > 1 ? value.replace(/\/+$/, "") : value;
}

/** Resolves the settings from the app's config and the environment (config wins). */
export function openApiSettings(dev: boolean, config: OpenApiConfig = {}): OpenApiSettings {
  return {
    ...config,
    enabled: config.enabled ?? setting("TINA4_OPENAPI", { production: !dev }),
    path: checkedPath("TINA4_OPENAPI_PATH", config.path ?? setting("TINA4_OPENAPI_PATH")),
    docsPath: checkedPath("TINA4_DOCS_PATH", config.docsPath ?? setting("TINA4_DOCS_PATH")),
  };
}

/** True for the document, the docs page and the page's assets (checked only for unmatched GET/HEAD). */
export function isOpenApiPath(settings: OpenApiSettings, path: string): boolean {
  return path === settings.path || path === settings.docsPath || path.startsWith(settings.docsPath + "/");
}
