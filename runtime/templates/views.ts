import type { Request } from "../http/request.js";
import { TemplateError, TemplateErrorCode } from "./errors.js";
import { AssetUrls, csrfField, methodField, templateGlobals } from "./globals.js";
import { TemplateFiles, templateName } from "./loader.js";
import { readPrecompiled } from "./precompile.js";
import { TwigEngine } from "./twig-engine.js";
import type { TwigTemplate } from "./twig-types.js";

export interface ViewsOptions {
  /** The templates folder (`src/templates`). */
  dir: string;
  /** For `asset()` hashes; null: no hashing. */
  publicDir: string | null;
  /** Dev: plain asset URLs, and a template whose file changed is recompiled on its next use. */
  dev: boolean;
  /** `dist/templates.json` from `tina4 build` (production only; missing file → compile from `dir`). */
  precompiled?: string | null;
}

interface Compiled {
  template: TwigTemplate;
  /** The file version it was compiled from; null for precompiled tokens. */
  version: string | null;
}

/**
 * An app's templates: compiled once per process and kept (dev checks each file's mtime and
 * size before reuse, so an edit shows on the next request without restarting the worker),
 * rendered with the globals every template sees. twig.js loads on the first render.
 */
export class Views {
  readonly files: TemplateFiles;
  readonly dev: boolean;
  private engine: TwigEngine | null = null;
  private readonly compiled = new Map<string, Compiled>();
  private precompiled: Map<string, unknown[]> | null | undefined = undefined;
  private readonly precompiledFile: string | null;
  private knownNames: Set<string> | null = null;
  private readonly assets: AssetUrls;

  constructor(options: ViewsOptions) {
    this.files = new TemplateFiles(options.dir);
    this.dev = options.dev;
    this.precompiledFile = options.dev ? null : (options.precompiled ?? null);
    this.assets = new AssetUrls(options.publicDir, !options.dev);
  }

  /**
   * Renders `name` (relative to the templates folder; `.twig` is added when the name has no
   * extension) with `data` on top of the globals. Throws a TemplateError.
   */
  render(name: string, data?: Record<string, unknown> | null, req?: Request | null): string {
    const engine = this.twig();
    const template = this.load(templateName(name));
    const context = templateGlobals(req);
    if (data !== undefined && data !== null) {
      if (typeof data !== "object" || Array.isArray(data)) {
        throw new TemplateError(TemplateErrorCode.RENDER, `Data for template "${name}" must be an object of variables`, { template: name });
      }
      Object.assign(context, data);
    }
    return engine.render(template, context);
  }

  /** True when a template of that canonical name exists (dev: on disk now; production: at first look). */
  has(name: string): boolean {
    if (this.dev) return this.files.version(name) !== null;
    return this.names().has(name);
  }

  /** Every known template name (sources and precompiled), sorted. */
  list(): string[] {
    if (this.dev) return this.files.list();
    return [...this.names()].sort();
  }

  /** Forgets compiled templates (the next render reads and compiles again). */
  clear(): void {
    this.compiled.clear();
    this.knownNames = null;
  }

  private names(): Set<string> {
    if (!this.knownNames) {
      this.knownNames = new Set(this.files.list());
      for (const name of this.precompiledTokens()?.keys() ?? []) this.knownNames.add(name);
    }
    return this.knownNames;
  }

  private twig(): TwigEngine {
    if (this.engine) return this.engine;
    const engine = new TwigEngine({
      resolve: (name) => this.load(templateName(name)),
      source: (name) => this.files.read(templateName(name)).source,
    });
    engine.addFunction("asset", (_context, path) => this.assets.url(path));
    engine.addFunction("csrf_field", (context) => csrfField(context, (html) => engine.markup(html)));
    engine.addFunction("method_field", (_context, method) => methodField(method, (html) => engine.markup(html)));
    return (this.engine = engine);
  }

  private precompiledTokens(): Map<string, unknown[]> | null {
    if (this.precompiled === undefined) this.precompiled = this.precompiledFile ? readPrecompiled(this.precompiledFile) : null;
    return this.precompiled;
  }

  private load(name: string): TwigTemplate {
    const cached = this.compiled.get(name);
    if (cached && (!this.dev || cached.version === this.files.version(name))) return cached.template;
    const engine = this.twig();
    const tokens = this.precompiledTokens()?.get(name);
    if (tokens) {
      const template = engine.fromTokens(name, tokens);
      this.compiled.set(name, { template, version: null });
      return template;
    }
    const file = this.files.read(name);
    const template = engine.compile(name, file.source);
    this.compiled.set(name, { template, version: file.version });
    return template;
  }
}
