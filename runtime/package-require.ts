import { createRequire } from "node:module";

/**
 * A `require` that resolves packages from tina4's own install (zod, swagger-ui-dist), so an
 * app needs none of them. The production worker runs the runtime bundled as a CommonJS
 * script, where `import.meta` is empty but `__filename` is set (cli/cluster/worker-loader.ts).
 */
export function packageRequire(): NodeRequire {
  return createRequire(typeof __filename === "string" ? __filename : import.meta.url);
}
