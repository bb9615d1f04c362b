/**
 * `template_from_string()` renders its string as a template (twig.js printed `[object Object]`),
 * sandboxed like a file template, and Twig's `include()` function takes it or a name.
 */
import { afterAll, describe, expect, it } from "vitest";
import { TemplateError, TemplateErrorCode } from "../../runtime/templates/errors.js";
import { viewsOf } from "./support.js";

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

function views(main: string) {
  const folder = viewsOf({ "main.twig": main, "partial.twig": "<p>partial {{ name }}</p>" });
  cleanups.push(folder.cleanup);
  return folder.views;
}

const render = (main: string, data: Record<string, unknown> = {}) => views(main).render("main.twig", data);

function failure(main: string, data: Record<string, unknown> = {}): TemplateError {
  try {
    const output = views(main).render("main.twig", data);
    throw new Error(`expected a TemplateError, got: ${output}`);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
}

describe("template_from_string()", () => {
  it("printed directly, renders the string with the current variables, escaping them once", () => {
    expect(render("{{ template_from_string('Hello {{ name }}!') }}", { name: "<i>Ann</i>" })).toBe("Hello &lt;i&gt;Ann&lt;/i&gt;!");
  });

  it("works with include() (Twig's usual form), {% include %} and a set variable", () => {
    const data = { name: "Ann" };
    expect(render("{{ include(template_from_string('<b>{{ name }}</b>')) }}", data)).toBe("<b>Ann</b>");
    expect(render("{% include template_from_string('<b>{{ name }}</b>') %}", data)).toBe("<b>Ann</b>");
    expect(render("{% set t = template_from_string('{% for i in 1..3 %}{{ i }}{% endfor %}') %}[{{ t }}]", data)).toBe("[123]");
  });

  it("includes other templates by name from the templates folder", () => {
    expect(render(`{{ template_from_string('{% include "partial.twig" %}') }}`, { name: "Ann" })).toBe("<p>partial Ann</p>");
  });

  it("is sandboxed like a file template: no constructor, no names outside the folder", () => {
    expect(failure("{{ template_from_string('{{ x.constructor }}') }}", { x: {} }).code).toBe(TemplateErrorCode.SANDBOX);
    const include = failure(`{{ template_from_string('{% include "../secret.twig" %}') }}`);
    expect(include.code).toBe(TemplateErrorCode.BAD_NAME);
    expect(include.message).toContain("../secret.twig");
    expect(failure(`{{ template_from_string('{{ source("/etc/hostname") }}') }}`).code).toBe(TemplateErrorCode.BAD_NAME);
  });

  it("a syntax error in the string is T4_ERR_TEMPLATE_SYNTAX naming where it came from, with line and column", () => {
    const error = failure("{{ template_from_string('ok\n{% if %}') }}");
    expect(error.code).toBe(TemplateErrorCode.SYNTAX);
    expect(error.message).toContain("string template (from main.twig):2:1");
    expect(error.line).toBe(2);
  });
});

describe("include() function", () => {
  it("renders a template by name with the context plus its variables, or only them with with_context = false", () => {
    expect(render("{{ include('partial.twig') }}", { name: "Ann" })).toBe("<p>partial Ann</p>");
    expect(render("{{ include('partial.twig', { name: 'Bob' }) }}", { name: "Ann" })).toBe("<p>partial Bob</p>");
    expect(render("{{ include(template_from_string('{{ a }}-{{ name }}'), { a: 1 }, false) }}", { name: "Ann" })).toBe("1-");
  });

  it("takes a list (first that exists) and ignore_missing; otherwise a missing one is T4_ERR_TEMPLATE_NOT_FOUND", () => {
    expect(render("{{ include(['nope.twig', 'partial.twig']) }}", { name: "Ann" })).toBe("<p>partial Ann</p>");
    expect(render("[{{ include('nope.twig', {}, true, true) }}]")).toBe("[]");
    expect(failure("{{ include('nope.twig') }}").code).toBe(TemplateErrorCode.NOT_FOUND);
  });

  it("loads names only from the templates folder", () => {
    expect(failure("{{ include('../secret.twig') }}").code).toBe(TemplateErrorCode.BAD_NAME);
    expect(failure("{{ include('/etc/hostname', {}, true, true) }}").code).toBe(TemplateErrorCode.BAD_NAME);
  });
});
