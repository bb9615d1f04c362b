/**
 * Whether a content type is worth compressing: text and the structured text formats (JSON,
 * XML, JavaScript, SVG, WebAssembly, uncompressed fonts). Images other than SVG, audio,
 * video, archives, PDF and WOFF/WOFF2 are compressed already; compressing them again only
 * burns CPU. `text/event-stream` is excluded: events must reach the browser one by one.
 */

const TEXT_LIKE = new Set([
  "application/json",
  "application/javascript",
  "application/x-javascript",
  "application/ecmascript",
  "application/xml",
  "application/xhtml+xml",
  "application/rss+xml",
  "application/atom+xml",
  "application/manifest+json",
  "application/ld+json",
  "application/problem+json",
  "application/graphql-response+json",
  "application/x-ndjson",
  "application/x-www-form-urlencoded",
  "application/wasm",
  "application/vnd.api+json",
  "image/svg+xml",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "image/bmp",
  "font/ttf",
  "font/otf",
  "application/font-sfnt",
]);

/** The media type of a Content-Type value, lower-case, without parameters. */
export function mediaType(contentType: unknown): string {
  const text = Array.isArray(contentType) ? String(contentType[0] ?? "") : String(contentType ?? "");
  const semicolon = text.indexOf(";");
  return (semicolon < 0 ? text : text.slice(0, semicolon)).trim().toLowerCase();
}

/** True when a body of this Content-Type shrinks under gzip/brotli and may be sent encoded. */
export function isCompressible(contentType: unknown): boolean {
  const type = mediaType(contentType);
  if (type === "" || type === "text/event-stream") return false;
  if (type.startsWith("text/")) return true;
  if (type.endsWith("+json") || type.endsWith("+xml")) return true;
  return TEXT_LIKE.has(type);
}
