import { packageRequire } from "../package-require.js";
import { codeFrame, lineColumn } from "./code-frame.js";
import { TemplateError, TemplateErrorCode } from "./errors.js";
import { installCompat } from "./compat.js";
import { installSandbox } from "./sandbox.js";
import { installTemplateFunctions } from "./template-functions.js";
import type { TwigInternals, TwigModule, TwigOptions, TwigTemplate, TwigToken } from "./twig-types.js";

/** How deep include/extends/embed may nest before a render stops with T4_ERR_TEMPLATE_RECURSION. */
export const MAX_TEMPLATE_DEPTH = 64;

let twigModule: TwigModule | null = null;

/**
 * twig.js (a dependency of tina4, not of the app), loaded on first use and synchronously:
 * `res.render` is synchronous, and apps without templates never pay its ≈ 40 ms.
 */
function loadTwig(): TwigModule {
  return (twigModule ??= packageRequire()("twig") as TwigModule);
}

/** What the engine asks its owner for while rendering. */
export interface EngineHooks {
  /** The compiled template for a name used by include/extends/embed/import/use. */
  resolve(name: string): TwigTemplate;
  /** A template's raw text, for `source()`. */
  source(name: string): string;
}

/** A readable message: twig.js names tags by internal type (`Twig.logic.type.if`). */
function messageOf(error: unknown): string {
  return String((error as { message?: unknown } | null)?.message ?? error)
    .replace(/Twig\.(?:logic|expression)\.type\.([A-Za-z.]+?)_?\b/g, "$1")
    .replace(/, expecting one of undefined$/, "");
}

/**
 * Where the first tag that never closes starts (quotes inside `{{ }}` and `{% %}` count, as
 * in twig.js's tokenizer), or -1. Used when twig.js reports no position.
 */
function unclosedTagOffset(source: string): number {
  const open = /\{[{%#]/g;
  for (let match = open.exec(source); match; match = open.exec(source)) {
    const close = match[0] === "{{" ? "}}" : match[0] === "{%" ? "%}" : "#}";
    let i = match.index + 2;
    let quote: string | null = null;
    for (; i < source.length; i++) {
      const c = source[i]!;
      if (quote) {
        if (c === quote && source[i - 1] !== "\\") quote = null;
      } else if (close !== "#}" && (c === '"' || c === "'")) {
        quote = c;
      } else if (source.startsWith(close, i)) {
        break;
      }
    }
    if (i >= source.length) return match.index;
    open.lastIndex = i + 2;
  }
  return -1;
}

/**
 * The twig.js adapter: one private twig.js instance (its own registries, loaders and
 * prototypes, untouched by other twig.js users in the process) with Twig-compatible
 * autoescaping, the sandbox, filter fixes, syntax-error locations and a nesting limit.
 * Templates are identified by their canonical name; names in include/extends resolve from
 * the templates folder, as in Twig (not from the including file's folder).
 */
export class TwigEngine {
  private readonly twig: TwigInternals;
  private readonly options: TwigOptions = { strictVariables: false, autoescape: true, allowInlineIncludes: false, rethrow: true };
  private depth = 0;
  /** Where the compiler is: last token start and the starts of still-open tags (for error lines). */
  private readonly trace = { last: -1, open: [] as number[] };
  /** The innermost template each render error passed through. */
  private readonly failedIn = new WeakMap<object, string>();

  constructor(hooks: EngineHooks) {
    const module = loadTwig().factory();
    module.cache(false); // the owner caches compiled templates (dev also checks file versions)
    let internals: TwigInternals | undefined;
    module.extend((twig) => (internals = twig));
    this.twig = internals!;
    this.fixErrorCalls();
    installCompat(this.twig);
    installSandbox(
      this.twig,
      (location, _params, callback) => {
        const template = hooks.resolve(location);
        callback?.(template);
        return template;
      },
      hooks.source,
    );
    installTemplateFunctions(this.twig, { compile: (name, source) => this.compile(name, source), resolve: hooks.resolve });
    this.traceCompiler();
    this.limitDepth();
  }

  /** Parses a template; a syntax error becomes T4_ERR_TEMPLATE_SYNTAX with line, column and code frame. */
  compile(name: string, source: string): TwigTemplate {
    this.trace.last = -1;
    this.trace.open.length = 0;
    try {
      return new this.twig.Template({ data: source, ...this.identity(name) });
    } catch (error) {
      throw this.syntaxError(name, source, error);
    }
  }

  /** A template from tokens that `tokensOf` produced earlier (`tina4 build`). */
  fromTokens(name: string, tokens: unknown[]): TwigTemplate {
    return new this.twig.Template({ data: tokens, ...this.identity(name) });
  }

  tokensOf(template: TwigTemplate): unknown[] {
    return template.tokens;
  }

  /** Renders to a string; every failure becomes a TemplateError naming the template. */
  render(template: TwigTemplate, context: Record<string, unknown>): string {
    try {
      return String(template.render(context));
    } catch (error) {
      throw this.renderError(template.id ?? "template", error);
    }
  }

  /** A function templates can call; it gets the render context it is called from. */
  addFunction(name: string, fn: (context: Record<string, unknown>, ...args: unknown[]) => unknown): void {
    this.twig.functions[name] = function (this: unknown, ...args: unknown[]) {
      return fn((this as { context: Record<string, unknown> }).context, ...args);
    };
  }

  /** Marks HTML as safe, so autoescaping leaves it alone. */
  markup(html: string): unknown {
    return this.twig.Markup(html, true);
  }

  private identity(name: string) {
    // method + base make twig.js resolve `include "x"` as the root-relative name "x" through our loader.
    return { id: name, name, method: "tina4", base: "_", options: this.options };
  }

  /**
   * twig.js throws `Twig.Error(...)` without `new` in two places (an unclosed string, an
   * unknown test): that throws undefined and loses the message. Make the call form work.
   */
  private fixErrorCalls(): void {
    type ErrorConstructor = (this: unknown, message: string, file?: string) => void;
    const original = this.twig.Error as unknown as ErrorConstructor & { prototype: object };
    const TwigError = function (this: unknown, message: string, file?: string) {
      if (!new.target) return new (TwigError as unknown as new (m: string, f?: string) => object)(message, file);
      original.call(this, message, file);
      return undefined;
    } as unknown as ErrorConstructor & { prototype: object };
    TwigError.prototype = original.prototype;
    (this.twig as unknown as { Error: unknown }).Error = TwigError;
  }

  private traceCompiler(): void {
    const { trace, twig } = this;
    const logicCompile = twig.logic.compile;
    twig.logic.compile = function (token: TwigToken) {
      if (token.position) trace.last = token.position.start;
      const compiled = logicCompile.call(this, token);
      const handler = twig.logic.handler[compiled.type];
      // The same bookkeeping as twig.js's compiler: a closing tag pops, a tag expecting more pushes.
      if (handler?.open === false) trace.open.pop();
      if (handler?.next?.length) trace.open.push(token.position?.start ?? -1);
      return compiled;
    };
    const expressionCompile = twig.expression.compile;
    twig.expression.compile = function (token: TwigToken) {
      if (token.position) trace.last = token.position.start;
      return expressionCompile.call(this, token);
    };
  }

  private limitDepth(): void {
    const engine = this;
    const proto = this.twig.Template.prototype;
    const render = proto.render;
    proto.render = function (this: TwigTemplate, ...args: Parameters<TwigTemplate["render"]>) {
      if (engine.depth >= MAX_TEMPLATE_DEPTH) {
        throw new TemplateError(TemplateErrorCode.RECURSION, `Templates nested more than ${MAX_TEMPLATE_DEPTH} levels deep at "${this.id}" (does it include or extend itself?)`, { template: this.id });
      }
      engine.depth++;
      try {
        return render.apply(this, args);
      } catch (error) {
        if (typeof error === "object" && error !== null && !engine.failedIn.has(error) && this.id) engine.failedIn.set(error, this.id);
        throw error;
      } finally {
        engine.depth--;
      }
    };
  }

  private syntaxError(name: string, source: string, error: unknown): TemplateError {
    if (error instanceof TemplateError) return error;
    const message = messageOf(error);
    let offset = this.trace.last;
    if (/Unclosed string|Unable to find closing bracket/.test(message)) offset = unclosedTagOffset(source);
    else if (/Unable to find an end tag/.test(message) && this.trace.open.length > 0) offset = this.trace.open[this.trace.open.length - 1]!;
    if (offset < 0) return new TemplateError(TemplateErrorCode.SYNTAX, `Template syntax error in ${name}: ${message}`, { template: name, cause: error });
    const { line, column } = lineColumn(source, offset);
    return new TemplateError(TemplateErrorCode.SYNTAX, `Template syntax error in ${name}:${line}:${column}: ${message}`, {
      template: name,
      line,
      column,
      frame: codeFrame(source, line, column),
      cause: error,
    });
  }

  private renderError(name: string, error: unknown): TemplateError {
    const where = (typeof error === "object" && error !== null && this.failedIn.get(error)) || (error as { file?: string } | null)?.file || name;
    if (error instanceof TemplateError) {
      if (error.template) return error;
      return new TemplateError(error.code, `${error.message} (in ${where})`, { template: where, cause: error });
    }
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return new TemplateError(TemplateErrorCode.RECURSION, `Template recursion too deep in ${where} (a macro or import that never ends?)`, { template: where, cause: error });
    }
    return new TemplateError(TemplateErrorCode.RENDER, `Error rendering ${where}: ${messageOf(error)}`, { template: where, cause: error });
  }
}
