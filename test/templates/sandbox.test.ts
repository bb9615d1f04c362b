import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { templateName } from "../../runtime/templates/loader.js";
import { TemplateError } from "../../runtime/templates/errors.js";
import { viewsOf } from "./support.js";

const SECRET = "TINA4_SECRET=do-not-leak";
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

/** Views with `main.twig` = source, a secret file beside the templates folder and one inside /tmp. */
function setup(source: string, extra: Record<string, string> = {}) {
  const folder = viewsOf({ "main.twig": source, "partial.twig": "<p>partial {{ name }}</p>", ...extra });
  cleanups.push(folder.cleanup);
  writeFileSync(join(folder.root, ".env"), SECRET);
  writeFileSync(join(folder.root, "secret.twig"), SECRET);
  return folder;
}

/** Renders `source`; returns the error (a test fails if the render succeeds) and never leaks. */
function refused(source: string, data: Record<string, unknown> = {}, extra: Record<string, string> = {}): TemplateError {
  const { views } = setup(source, extra);
  let output: string | undefined;
  try {
    output = views.render("main.twig", data);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error(`expected the render to be refused, got: ${output}`);
}

function render(source: string, data: Record<string, unknown> = {}, extra: Record<string, string> = {}): string {
  return setup(source, extra).views.render("main.twig", data);
}

describe("sandbox: no way from a template to Function, process or require", () => {
  it("attribute() cannot reach a constructor (twig.js handed out Function: code execution)", () => {
    const error = refused("{% set F = attribute(attribute(x, 'constructor'), 'constructor') %}{% set p = F('return process.pid') %}{{ p() }}", { x: {} });
    expect(error.code).toBe("T4_ERR_TEMPLATE_SANDBOX");
    expect(error.message).not.toContain(String(process.pid));
  });

  it("attribute() refuses prototype members and still reads data and calls methods", () => {
    expect(refused("{{ attribute(x, '__proto__') }}", { x: {} }).code).toBe("T4_ERR_TEMPLATE_SANDBOX");
    expect(refused("{{ attribute(x, 'hasOwnProperty', ['a']) }}", { x: { a: 1 } }).code).toBe("T4_ERR_TEMPLATE_SANDBOX");
    expect(render("{{ attribute(x, 'a') }}-{{ attribute(x, 'twice', [4]) }}", { x: { a: 1, twice: (n: number) => n * 2 } })).toBe("1-8");
  });

  it.each([
    ["x.constructor", "{{ x.constructor }}"],
    ["x.constructor(...)", "{{ x.constructor('return 1') }}"],
    ["x.__proto__", "{{ x.__proto__ }}"],
    ["x.prototype", "{{ x.prototype }}"],
    ["x.__lookupGetter__", "{{ x.__lookupGetter__('__proto__') }}"],
    ["x.__defineGetter__", "{{ x.__defineGetter__('a', x) }}"],
    ["x.hasOwnProperty (Object.prototype)", "{{ x.hasOwnProperty('a') }}"],
    ["x.valueOf (Object.prototype)", "{{ x.valueOf }}"],
    ["items.constructor (arrays)", "{{ items.constructor }}"],
    ["_context.constructor", "{{ _context.constructor }}"],
  ])("a.b: %s is refused", (_name, source) => {
    expect(refused(source, { x: { a: 1 }, items: [1] }).code).toBe("T4_ERR_TEMPLATE_SANDBOX");
  });

  it.each([
    ["x['constructor']", "{{ x['constructor'] }}"],
    ["x[key] with key from data", "{{ x[key] }}"],
    ["x['__proto__']", "{{ x['__proto__'] }}"],
    ["x['valueOf']", "{{ x['valueOf'] }}"],
    ["_context['constructor']", "{{ _context['constructor'] }}"],
  ])("a[b]: %s is refused", (_name, source) => {
    expect(refused(source, { x: { a: 1 }, key: "constructor" }).code).toBe("T4_ERR_TEMPLATE_SANDBOX");
  });

  it("bare names do not resolve to what every object inherits", () => {
    expect(render("[{{ constructor }}][{{ toString }}][{{ valueOf }}][{{ __proto__ }}]")).toBe("[][][][]");
  });

  it.each([
    ["constructor(...)", "{{ constructor('x') }}"],
    ["__lookupGetter__(...)", "{% set g = __lookupGetter__('__proto__') %}{{ g }}"],
    ["hasOwnProperty(...)", "{{ hasOwnProperty('x') }}"],
  ])("calls: %s is refused", (_name, source) => {
    expect(refused(source).code).toBe("T4_ERR_TEMPLATE_SANDBOX");
  });

  it("filters and tests are looked up in registries without a prototype", () => {
    for (const source of ["{{ 'x'|constructor }}", "{{ '__proto__'|__lookupGetter__ }}", "{% if 1 is constructor %}y{% endif %}"]) {
      expect(refused(source).code, source).toBe("T4_ERR_TEMPLATE_RENDER");
    }
  });

  it("Node globals are not in scope", () => {
    expect(render("[{{ process }}][{{ require }}][{{ global }}][{{ globalThis }}][{{ module }}][{{ Function }}]")).toBe("[][][][][][]");
    expect(refused("{{ require('fs') }}").code).toBe("T4_ERR_TEMPLATE_RENDER");
  });

  it("arrow functions (sort/map callbacks) do not parse in twig.js 3, so no callback runs", () => {
    expect(refused("{{ [3, 1]|sort((a, b) => a - b)|join }}").code).toBe("T4_ERR_TEMPLATE_SYNTAX");
  });

  it("data stays usable: own values, class getters and methods, arrays, dates, maps", () => {
    class User {
      constructor(readonly first: string, readonly last: string) {}
      get fullName() {
        return `${this.first} ${this.last}`;
      }
      greet(who: string) {
        return `hi ${who}`;
      }
    }
    const data = { user: new User("Ann", "Lee"), items: [1, 2, 3], when: new Date(2024, 0, 15), map: new Map([["k", "v"]]), hash: { a: { b: "deep" } } };
    expect(render("{{ user.fullName }}|{{ user.greet('you') }}|{{ items.length }}|{{ items[1] }}|{{ when.getFullYear() }}|{{ map.get('k') }}|{{ hash.a.b }}|{{ hash['a']['b'] }}", data)).toBe(
      "Ann Lee|hi you|3|2|2024|v|deep|deep",
    );
  });
});

describe("sandbox: templates load only from the templates folder", () => {
  it.each([
    ["include ../", "{% include '../secret.twig' %}"],
    ["include absolute", "{% include '/etc/hostname' %}"],
    ["include normalised out", "{% include 'a/../../secret.twig' %}"],
    ["include dot-file", "{% include '.env' %}"],
    ["include backslash", "{% include '..\\\\secret.twig' %}"],
    ["extends ../", "{% extends '../secret.twig' %}"],
    ["import ../", "{% import '../secret.twig' as m %}"],
    ["from ../ import", "{% from '../secret.twig' import a %}"],
    ["embed ../", "{% embed '../secret.twig' %}{% endembed %}"],
    ["use ../", "{% use '../secret.twig' %}"],
    ["source() ../", "{{ source('../.env') }}"],
    ["source() absolute", "{{ source('/etc/hostname') }}"],
    ["include of a template_from_string that includes ../", "{% include template_from_string(\"{% include '../secret.twig' %}\") %}"],
  ])("%s is refused", (_name, source) => {
    const error = refused(source);
    expect(error.message).not.toContain(SECRET);
    expect(["T4_ERR_TEMPLATE_NAME", "T4_ERR_TEMPLATE_RENDER"]).toContain(error.code);
  });

  it("path names are refused with T4_ERR_TEMPLATE_NAME before any file is touched", () => {
    for (const name of ["../x.twig", "/etc/passwd", "a/../../x", "a//b", "./a", ".env", "a\\b", "a\0b", ""]) {
      expect(() => templateName(name), JSON.stringify(name)).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_NAME" }));
    }
    expect(templateName("pages/home")).toBe("pages/home.twig");
    expect(templateName("emails/welcome.html.twig")).toBe("emails/welcome.html.twig");
  });

  it("a symlink inside the folder cannot lead out of it", () => {
    const folder = setup("{% include 'link.twig' %}");
    symlinkSync(join(folder.root, "secret.twig"), join(folder.dir, "link.twig"));
    expect(() => folder.views.render("main.twig")).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_NAME" }));
  });

  it("source() and include read inside the folder (source is escaped text)", () => {
    expect(render("{{ source('partial.twig') }}|{% include 'partial.twig' with {name: 'x'} %}")).toBe("&lt;p&gt;partial {{ name }}&lt;/p&gt;|<p>partial x</p>");
  });

  it("res.render names go through the same check", () => {
    const { views } = setup("x");
    expect(() => views.render("../secret.twig")).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_NAME" }));
    mkdirSync(join(views.files.root, "sub"), { recursive: true });
    expect(() => views.render("sub/../../secret.twig")).toThrow(expect.objectContaining({ code: "T4_ERR_TEMPLATE_NAME" }));
  });
});
