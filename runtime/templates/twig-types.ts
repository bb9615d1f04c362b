/**
 * The parts of twig.js this adapter touches. twig.js ships no types; `Twig.extend(fn)` hands
 * extensions its internal object, and these interfaces describe the members used here.
 */

export type TwigPromise<T = unknown> = PromiseLike<T>;

export interface TwigTemplate {
  id?: string;
  tokens: unknown[];
  render(context: Record<string, unknown>, params?: unknown, allowAsync?: boolean): unknown;
}

export interface TwigTemplateParams {
  data: string | unknown[];
  id?: string;
  name?: string;
  method?: string;
  base?: string;
  options: TwigOptions;
}

export interface TwigOptions {
  strictVariables: boolean;
  autoescape: boolean | string;
  allowInlineIncludes: boolean;
  rethrow: boolean;
  namespaces?: Record<string, string>;
}

/** A compiled token as twig.js hands it to a handler (only the fields read here). */
export interface TwigToken {
  type: string;
  key?: string;
  fn?: string;
  value?: unknown;
  params?: unknown[];
  stack?: unknown[];
  position?: { start: number; end: number };
}

export type ExpressionParse = (this: unknown, token: TwigToken, stack: unknown[], context: Record<string, unknown>, nextToken?: TwigToken) => unknown;

export interface ExpressionHandler {
  parse?: ExpressionParse;
}

export type TwigLoader = (location: string, params: Record<string, unknown>, callback?: (template: TwigTemplate) => void) => TwigTemplate;

export interface TwigInternals {
  cache: boolean;
  Template: { new (params: TwigTemplateParams): TwigTemplate; prototype: TwigTemplate };
  Templates: {
    registerLoader(method: string, loader: TwigLoader): void;
    registry: Record<string, unknown>;
  };
  Markup(content: string, strategy?: boolean | string): unknown;
  output: (this: { options: TwigOptions }, pieces: unknown[]) => unknown;
  Error: new (message: string, file?: string) => { message: string; file?: string };
  Promise: { resolve<T>(value?: T): TwigPromise<T> };
  prepare: (this: TwigTemplate, data: string) => unknown[];
  logic: {
    compile: (this: unknown, token: TwigToken) => TwigToken;
    handler: Record<string, { open?: boolean; next?: string[] }>;
  };
  expression: {
    compile: (this: unknown, token: TwigToken) => TwigToken;
    parseAsync: (this: unknown, tokens: unknown, context: Record<string, unknown>, tokensAreParameters?: boolean) => TwigPromise;
    resolveAsync: (this: unknown, value: unknown, context: unknown, params: unknown, nextToken?: TwigToken, object?: unknown) => TwigPromise;
    handler: Record<string, ExpressionHandler>;
    type: {
      variable: string;
      _function: string;
      key: { period: string; brackets: string };
    };
  };
  filters: Record<string, (this: unknown, value: unknown, params?: unknown[]) => unknown>;
  functions: Record<string, (this: unknown, ...args: unknown[]) => unknown>;
  tests: Record<string, (value: unknown, params?: unknown[]) => unknown>;
}

/** The module object `require("twig")` returns. */
export interface TwigModule {
  factory(): TwigModule;
  extend(fn: (twig: TwigInternals) => void): void;
  cache(enabled: boolean): void;
}
