/**
 * `tina4 build` as a library (the build command and `serve --production` when dist/ is stale):
 * the bundle, its script form, the precompiled templates and the manifest in `<app>/dist/`.
 */
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Project } from "../project.js";
import { discoverRouteFiles } from "../../runtime/router/file-routes.js";
import { compileTemplates, templateLoadError, type CompiledTemplates } from "../build-templates.js";
import { TemplateError } from "../../runtime/templates/errors.js";
import { ui } from "../ui.js";
import { Bundler, BundleError, type Bundle } from "./bundler.js";
import { BUNDLE_FILE, MANIFEST_FILE, sourceInputs, tina4Version, type BuildManifest } from "./freshness.js";
import { appScriptFile, writeAppScript } from "./script-form.js";

export interface BuildResult {
  bundle: string;
  manifest: BuildManifest;
  bytes: number;
  ms: number;
  /** Templates precompiled into dist/templates.json. */
  templates: number;
}

/** `tina4 build`: the production bundle and its manifest in `<app>/dist/`. */
export async function buildApp(project: Project): Promise<BuildResult> {
  const started = performance.now();
  const root = project.root;
  const outfile = join(root, "dist", BUNDLE_FILE);
  const bundler = new Bundler(project, outfile);
  let bundle: Bundle;
  try {
    bundle = await bundler.build();
  } finally {
    await bundler.dispose();
  }
  let templates: CompiledTemplates;
  try {
    templates = await compileTemplates(root);
  } catch (error) {
    if (error instanceof TemplateError) throw new BundleError(templateLoadError(error));
    throw error;
  }
  // The script form goes first and the module last: a dist/ whose module is new never keeps an old script.
  rmSync(appScriptFile(outfile), { force: true });
  bundler.write(bundle);
  templates.write();
  await writeAppScript(appScriptFile(outfile), bundle);
  const tracked = new Set([...sourceInputs(root), ...bundle.inputs.map((input) => input.split(sep).join("/"))]);
  const inputs: Record<string, number> = {};
  for (const path of [...tracked].sort()) {
    try {
      inputs[path] = statSync(join(root, path)).mtimeMs;
    } catch {
      // an input that vanished during the build: the next start rebuilds
    }
  }
  const files = discoverRouteFiles(root, project.routesDir);
  const manifest: BuildManifest = {
    tina4: tina4Version,
    builtAt: new Date().toISOString(),
    bundle: BUNDLE_FILE,
    routes: files.map((file) => ({ method: file.method, pattern: file.pattern, source: file.source })),
    inputs,
  };
  writeFileSync(join(root, "dist", MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return { bundle: outfile, manifest, bytes: Buffer.byteLength(bundle.js), ms: performance.now() - started, templates: templates.count };
}

export function printBuilt(result: BuildResult, root: string): void {
  const kb = (result.bytes / 1024).toFixed(1);
  ui.success(`built ${relative(root, result.bundle)} ${ui.dim(`(${result.manifest.routes.length} route files, ${result.templates ? `${result.templates} templates, ` : ""}${kb} KB, ${Math.round(result.ms)} ms)`)}`);
}
