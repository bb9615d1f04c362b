import { TemplateError, TemplateErrorCode } from "./errors.js";
import type { ExpressionParse, TwigInternals, TwigLoader, TwigToken } from "./twig-types.js";

/** Names that lead to constructors or prototypes (and from there to Function and `process`). */
const BLOCKED_NAMES = new Set(["constructor", "__proto__", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);

const hasOwn = (object: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(object, key);

function denied(what: string): TemplateError {
  return new TemplateError(TemplateErrorCode.SANDBOX, `Templates cannot access ${what}`);
}

/**
 * Throws unless `object.key` is data a template may read: never a constructor or prototype
 * name, and never a member that only Object.prototype or Function.prototype supply (their
 * methods hand out functions and prototypes). Own properties, getters and methods of the
 * app's own classes, arrays, maps and dates stay readable.
 */
export function assertReadable(object: unknown, key: unknown): void {
  if (object === null || object === undefined) return;
  if (typeof key === "symbol") throw denied("symbol keys");
  const name = String(key);
  if (BLOCKED_NAMES.has(name)) throw denied(`"${name}"`);
  let owner: object | null = Object(object) as object;
  while (owner !== null && !hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object | null;
  if (owner === Object.prototype || owner === Function.prototype) throw denied(`"${name}" (a built-in member)`);
}

function capitalize(text: string): string {
  return text.slice(0, 1).toUpperCase() + text.slice(1);
}

/** The property twig.js reads for `object.key`: the key itself, else `getKey`, else `isKey`. */
function periodTarget(object: unknown, key: string): string | null {
  if (object === null || object === undefined) return null;
  if (typeof object === "object" && key in object) return key;
  const target = object as Record<string, unknown>;
  if (target["get" + capitalize(key)]) return "get" + capitalize(key);
  if (target["is" + capitalize(key)]) return "is" + capitalize(key);
  return null;
}

/**
 * Closes every way out of a twig.js template that we found (each has a test in
 * test/templates/sandbox.test.ts):
 * - `a.b`, `a[b]` and `attribute(a, b)` cannot read constructors, prototypes or members of
 *   Object.prototype / Function.prototype (twig.js follows the prototype chain and calls any
 *   function it finds; `attribute(attribute(x,'constructor'),'constructor')` was Function);
 * - a bare name or call (`constructor`, `__lookupGetter__(...)`) resolves only to the render
 *   context's own values, not to what every object inherits;
 * - filter, function and test registries have no prototype (`x|constructor`);
 * - templates load through `load` (their loader method is ours, so include/extends/import/
 *   embed/use never reach twig.js's `fs` loader) and `source()` through `readSource`; both
 *   accept only names inside the templates folder (loader.ts).
 */
export function installSandbox(Twig: TwigInternals, load: TwigLoader, readSource: (name: string) => string): void {
  for (const registry of [Twig.filters, Twig.functions, Twig.tests]) Object.setPrototypeOf(registry, null);

  const { handler, type } = Twig.expression;
  const period = handler[type.key.period]!;
  const readPeriod = period.parse!;
  period.parse = function (token, stack, context, nextToken) {
    const object = stack[stack.length - 1];
    const target = periodTarget(object, String(token.key));
    if (target !== null) assertReadable(object, target);
    else if (BLOCKED_NAMES.has(String(token.key))) throw denied(`"${token.key}"`);
    return readPeriod.call(this, token, stack, context, nextToken);
  };

  // twig.js computes the key inside its handler, so this one is ours: same result, checked key.
  const brackets = handler[type.key.brackets]!;
  brackets.parse = function (token, stack, context, nextToken) {
    const object = stack.pop();
    let params: unknown = false;
    const withParams = token.params ? Twig.expression.parseAsync.call(this, token.params, context) : Twig.Promise.resolve<unknown>(false);
    return withParams
      .then((parsed) => {
        params = parsed;
        return Twig.expression.parseAsync.call(this, token.stack, context);
      })
      .then((key) => {
        if (object === null || object === undefined || typeof object !== "object") return null;
        if (!((key as PropertyKey) in object)) return null;
        assertReadable(object, key);
        return Twig.expression.resolveAsync.call(this, (object as Record<PropertyKey, unknown>)[key as PropertyKey], object, params, nextToken);
      })
      .then((value) => {
        stack.push(value);
      });
  } satisfies ExpressionParse;

  const variable = handler[type.variable]!;
  const readVariable = variable.parse!;
  variable.parse = function (token, stack, context, nextToken) {
    const name = String(token.value);
    if (!hasOwn(context, name) && name in Object.prototype) {
      stack.push(undefined);
      return undefined;
    }
    return readVariable.call(this, token, stack, context, nextToken);
  };

  const call = handler[type._function]!;
  const callFunction = call.parse!;
  call.parse = function (token: TwigToken, stack, context, nextToken) {
    const name = String(token.fn);
    if (!hasOwn(Twig.functions, name) && !hasOwn(context, name)) {
      if (name in context) throw denied(`the built-in function "${name}"`);
      throw new TemplateError(TemplateErrorCode.RENDER, `Unknown function "${name}"`);
    }
    return callFunction.call(this, token, stack, context, nextToken);
  };

  Twig.functions.attribute = function attribute(object: unknown, key: unknown, args: unknown) {
    if (object === null || object === undefined) return undefined;
    assertReadable(object, key);
    const value = (Object(object) as Record<string, unknown>)[String(key)];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).apply(object, Array.isArray(args) ? args : []) : value;
  };
  Twig.functions.source = function source(name: unknown, ignoreMissing: unknown) {
    try {
      return readSource(String(name));
    } catch (error) {
      if (ignoreMissing === true && (error as TemplateError).code === TemplateErrorCode.NOT_FOUND) return "";
      throw error;
    }
  };

  Twig.Templates.registerLoader("tina4", load);
}
