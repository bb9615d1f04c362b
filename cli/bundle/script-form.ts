/**
 * The script form of an app bundle (`dist/server.script.cjs`): the same code as a CommonJS
 * script, which production workers run through node:vm with a V8 code cache
 * (cluster/cached-script.ts) instead of importing the module.
 */
import { renameSync, writeFileSync } from "node:fs";
import type { Bundle } from "./bundler.js";

/** Where the script form of `bundle` is (written only when the bundle allows, see below). */
export function appScriptFile(bundle: string): string {
  return bundle.replace(/\.mjs$/, "") + ".script.cjs";
}

/**
 * Production workers start faster from a script than from an ES module: Node 20 caches
 * compiled code for node:vm scripts only (cluster/cached-script.ts). The script form is
 * written only when it behaves exactly like the module: no imports left to run time other
 * than Node built-ins (a package could resolve differently through require), no
 * `import.meta`, no `import()` or `require` of its own, no top-level await. Otherwise
 * workers import the module, as before.
 */
export async function writeAppScript(file: string, bundle: Bundle): Promise<void> {
  const { isBuiltin } = await import("node:module");
  if (!bundle.externals.every((name) => isBuiltin(name))) return;
  // Text checks, so they may refuse a bundle that merely mentions these words: that only costs speed.
  if (/\bimport\s*\(|\bimport\.meta\b|\brequire\b/.test(bundle.js)) return;
  const { transform } = await import("esbuild");
  let code: string;
  try {
    const result = await transform(bundle.js, { format: "cjs", loader: "js", platform: "node", target: "node20", logLevel: "silent" });
    if (result.warnings.length > 0) return;
    code = result.code;
  } catch {
    return; // top-level await, say
  }
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, code);
  renameSync(temp, file);
}
