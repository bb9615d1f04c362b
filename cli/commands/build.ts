import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { Command } from "commander";
import type { BuildContext, Message, Plugin } from "esbuild";
import { appScriptFile, type LoadError } from "../cluster/protocol.js";
import { describeLoadError, formatLoadError } from "../dev/error-page.js";
import { discoverRouteFiles } from "../../runtime/router/file-routes.js";
import { discoverJobFiles } from "../../runtime/jobs/processors.js";
import { openProject, type Project } from "../project.js";
import { BUNDLE_FILE, MANIFEST_FILE, tina4Version, type BuildManifest } from "../cluster/freshness.js";
import { CliError, CliErrorCode } from "../errors.js";
import { compileTemplates, templateLoadError, type CompiledTemplates } from "../build-templates.js";
import { TemplateError } from "../../runtime/templates/errors.js";
import { ui } from "../ui.js";

export { BUNDLE_FILE, MANIFEST_FILE, staleReason, type BuildManifest } from "../cluster/freshness.js";

export interface BuildResult {
  bundle: string;
  manifest: BuildManifest;
  bytes: number;
  ms: number;
  /** Templates precompiled into dist/templates.json. */
  templates: number;
}


/**
 * `tina4` inside a bundle: a module reading the runtime that the serving worker publishes on
 * a global. The app therefore always runs against the runtime of the CLI serving it (as in
 * dev), whatever copy of tina4 sits in its node_modules, and the bundle stays portable.
 */
async function runtimeShim(): Promise<Plugin> {
  const names = Object.keys(await import("../../runtime/index.js")).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
  const contents =
    `const rt = globalThis[Symbol.for("tina4.runtime")];\n` +
    `if (!rt) throw new Error("This bundle is started by \`tina4 serve --production\`, which provides the tina4 runtime");\n` +
    names.map((name) => `export const ${name} = rt.${name};`).join("\n");
  return {
    name: "tina4-runtime",
    setup(b) {
      b.onResolve({ filter: /^tina4$/ }, () => ({ path: "tina4", namespace: "tina4-runtime" }));
      b.onLoad({ filter: /.*/, namespace: "tina4-runtime" }, () => ({ contents, loader: "js" }));
    },
  };
}

/** Files and folders (with a trailing "/") under `dir`, skipping node_modules and dot-entries. */
function walk(dir: string, out: string[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  out.push(dir + "/");
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/**
 * What decides staleness: every file and folder under src/ plus package.json and
 * tsconfig.json. Folders count because adding or removing a file changes the folder's
 * mtime, so a later check needs one stat per entry and no directory listing.
 */
function sourceInputs(root: string): string[] {
  const files = walk(join(root, "src"), []).map((path) => relative(root, path).split(sep).join("/") + (path.endsWith("/") ? "/" : ""));
  for (const name of ["package.json", "tsconfig.json"]) if (existsSync(join(root, name))) files.push(name);
  return files;
}

function entrySource(files: ReturnType<typeof discoverRouteFiles>, root: string): string {
  const rows = files.map((file) => {
    const spec = JSON.stringify("./" + file.source);
    return `  { source: ${JSON.stringify(file.source)}, method: ${JSON.stringify(file.method)}, pattern: ${JSON.stringify(file.pattern)}, load: () => import(${spec}) },`;
  });
  // Job processors (src/jobs/): evaluated only by workers that run them (dev serve, serve --with-worker).
  const jobs = discoverJobFiles(root).map((job) => `  { name: ${JSON.stringify(job.name)}, source: ${JSON.stringify(job.file)}, load: () => import(${JSON.stringify("./" + job.file)}) },`);
  return `export const files = [\n${rows.join("\n")}\n];\nexport const jobs = [\n${jobs.join("\n")}\n];\n`;
}

/** esbuild's first located error as a LoadError (file, line, column, code frame). */
function toLoadError(error: unknown, root: string): LoadError {
  const messages = (error as { errors?: Message[] }).errors ?? [];
  const first = messages.find((m) => m.location) ?? messages[0];
  if (!first) return { message: (error as Error)?.message ?? String(error) };
  return describeLoadError({ message: first.text, errors: [{ text: first.text, location: first.location ? { ...first.location, file: join(root, first.location.file) } : null }] }, root);
}

export interface Bundle {
  js: string;
  map: string;
  inputs: string[];
  /** Imports left to Node at run time (npm packages, built-ins), as written. */
  externals: string[];
}

/**
 * Bundles the app with esbuild: one ES module holding every route file (each module
 * evaluated lazily, in the order `serve` loads them) and the table of file routes. npm
 * packages stay external and resolve from the app's node_modules at run time. Dev keeps one
 * incremental context, so a rebuild after a save costs milliseconds.
 */
export class Bundler {
  private context: BuildContext<{ metafile: true; write: false }> | null = null;

  constructor(private readonly project: Project, readonly outfile: string) {}

  /** Rebuilds; throws a BundleError naming file, line and message on a syntax error. */
  async build(): Promise<Bundle> {
    const { root, routesDir } = this.project;
    // esbuild loads on first build only: `serve --production` with a fresh dist/ never needs it.
    const { context } = await import("esbuild");
    this.context ??= await context({
      entryPoints: ["tina4:routes"],
      absWorkingDir: root,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      outfile: this.outfile,
      sourcemap: "linked",
      metafile: true,
      write: false,
      logLevel: "silent",
      legalComments: "none",
      banner: { js: "// Built by `tina4 build`; started by `tina4 serve`." },
      plugins: [
        await runtimeShim(),
        {
          name: "tina4-routes",
          setup(b) {
            b.onResolve({ filter: /^tina4:routes$/ }, () => ({ path: "routes", namespace: "tina4-routes" }));
            b.onLoad({ filter: /.*/, namespace: "tina4-routes" }, () => ({ contents: entrySource(discoverRouteFiles(root, routesDir), root), resolveDir: root, loader: "js" }));
          },
        },
      ],
    });
    let result;
    try {
      result = await this.context.rebuild();
    } catch (error) {
      throw new BundleError(toLoadError(error, root));
    }
    const js = result.outputFiles.find((file) => file.path.endsWith(".mjs"))!.text;
    const map = result.outputFiles.find((file) => file.path.endsWith(".map"))?.text ?? "";
    const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes(":") && !input.includes("node_modules/"));
    const externals = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path));
    return { js, map, inputs, externals };
  }

  /** Writes a bundle (map first, then the module through a rename: a reader never sees half a file). */
  write(bundle: Bundle): void {
    mkdirSync(dirname(this.outfile), { recursive: true });
    writeFileSync(this.outfile + ".map", bundle.map);
    const temp = `${this.outfile}.${process.pid}.tmp`;
    writeFileSync(temp, bundle.js);
    renameSync(temp, this.outfile);
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
    this.context = null;
  }
}

/** A build that failed on the app's code (syntax error, unresolvable import). */
export class BundleError extends CliError {
  constructor(readonly detail: LoadError) {
    super(`Build failed: ${formatLoadError(detail)}`, CliErrorCode.BUILD);
  }
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

/**
 * Production workers start faster from a script than from an ES module: Node 20 caches
 * compiled code for node:vm scripts only (cluster/cached-script.ts). The script form is
 * written only when it behaves exactly like the module: no imports left to run time other
 * than Node built-ins (a package could resolve differently through require), no
 * `import.meta`, no `import()` or `require` of its own, no top-level await. Otherwise
 * workers import the module, as before.
 */
async function writeAppScript(file: string, bundle: Bundle): Promise<void> {
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

export function printBuilt(result: BuildResult, root: string): void {
  const kb = (result.bytes / 1024).toFixed(1);
  ui.success(`built ${relative(root, result.bundle)} ${ui.dim(`(${result.manifest.routes.length} route files, ${result.templates ? `${result.templates} templates, ` : ""}${kb} KB, ${Math.round(result.ms)} ms)`)}`);
}

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("bundle the app into dist/ for `tina4 serve --production`")
    .option("--clean", "empty dist/ first")
    .action(async (options: { clean?: boolean }) => {
      const project = openProject();
      if (options.clean) rmSync(join(project.root, "dist"), { recursive: true, force: true });
      printBuilt(await buildApp(project), project.root);
    });
}
