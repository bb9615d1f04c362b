import { TemplateError, TemplateErrorCode } from "./errors.js";
import type { TwigInternals, TwigTemplate } from "./twig-types.js";

/** What the two functions need from the engine: compiling (sandboxed, through our loader) and loading by name. */
export interface TemplateFunctionHooks {
  compile(name: string, source: string): TwigTemplate;
  resolve(name: string): TwigTemplate;
}

interface CallState {
  context: Record<string, unknown>;
  template?: { id?: string };
}

/** A twig.js hash literal's own entries without its `_keys` bookkeeping. */
function variablesOf(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new TemplateError(TemplateErrorCode.RENDER, "include(): the variables must be a hash ({ name: value })");
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== "_keys") out[key] = (value as Record<string, unknown>)[key];
  return out;
}

/**
 * Twig's `template_from_string(source)` and `include(template, variables?, with_context?,
 * ignore_missing?)` functions. twig.js's own template_from_string returned a bare template:
 * printed it was `[object Object]`, and a template it made could not include anything
 * ("Cannot extend an inline template"). Here the string compiles like a file template — the
 * same sandbox, its includes by name from the templates folder only, syntax errors with line
 * and frame — and printing it renders it with the current variables, as
 * `{{ include(template_from_string(…)) }}` does in Twig.
 */
export function installTemplateFunctions(Twig: TwigInternals, hooks: TemplateFunctionHooks): void {
  const Template = Twig.Template;

  const render = (template: TwigTemplate, context: Record<string, unknown>): unknown => Twig.Markup(String(template.render(context) ?? ""), true);

  Twig.functions.template_from_string = function templateFromString(this: unknown, source: unknown, name: unknown) {
    const state = this as CallState;
    const label = typeof name === "string" && name !== "" ? name : `string template (from ${state.template?.id ?? "template"})`;
    const template = hooks.compile(label, source === undefined || source === null ? "" : String(source));
    const context = state.context;
    // printed directly (`{{ template_from_string(…) }}`): render it here, already escaped inside
    return Object.assign(template, { twigMarkup: true, toString: () => String(render(template, context)) });
  };

  Twig.functions.include = function include(this: unknown, target: unknown, variables: unknown, withContext: unknown, ignoreMissing: unknown) {
    const state = this as CallState;
    const context = withContext === false ? variablesOf(variables) : { ...state.context, ...variablesOf(variables) };
    const names = Array.isArray(target) ? target : [target];
    for (const candidate of names) {
      if (candidate instanceof Template) return render(candidate, context);
      try {
        return render(hooks.resolve(String(candidate)), context);
      } catch (error) {
        if (!(error instanceof TemplateError && error.code === TemplateErrorCode.NOT_FOUND) || (candidate === names[names.length - 1] && ignoreMissing !== true)) throw error;
      }
    }
    return "";
  };
}
