import { register } from "node:module";

let registered = false;

/**
 * Installs the TypeScript/`tina4` resolution hooks for every later `import()` in this
 * process. Idempotent. Source maps are enabled so stack traces name .ts lines.
 */
export function registerLoader(): void {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  register(new URL("./hooks.js", import.meta.url), {
    parentURL: import.meta.url,
    data: { runtimeUrl: new URL("../index.js", import.meta.url).href },
  });
}
