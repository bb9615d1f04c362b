/**
 * The app bundle: every route file (and job processor) of `src/` in one ES module, built by
 * esbuild — incrementally in dev (the supervisor keeps one Bundler), once by `tina4 build`.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BuildContext, Message, Plugin } from "esbuild";
import type { LoadError } from "../cluster/protocol.js";
import { describeLoadError, formatLoadError } from "../load-error.js";
import { discoverRouteFiles } from "../../runtime/router/file-routes.js";
import { discoverJobFiles } from "../../runtime/jobs/processors.js";
import type { Project } from "../project.js";
import { CliError, CliErrorCode } from "../errors.js";

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
