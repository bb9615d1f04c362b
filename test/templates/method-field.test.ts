/**
 * `method_field(method)`: the hidden `_method` input that makes a `<form method="post">` a PUT,
 * PATCH or DELETE (runtime/http/method-override.ts); POST prints nothing; other values fail the
 * render rather than print a form the server would refuse.
 */
import { afterAll, describe, expect, it } from "vitest";
import { viewsOf } from "./support.js";

const { views, cleanup } = viewsOf({
  "form.twig": "<form method=\"post\">{{ method_field(method) }}</form>",
  "shared.twig": "{{ method_field(item ? 'put' : 'post') }}|",
});
afterAll(cleanup);

describe("method_field()", () => {
  it("prints the hidden _method input, upper-cased, not escaped away", () => {
    expect(views.render("form.twig", { method: "DELETE" })).toBe('<form method="post"><input type="hidden" name="_method" value="DELETE"></form>');
    expect(views.render("form.twig", { method: "patch" })).toBe('<form method="post"><input type="hidden" name="_method" value="PATCH"></form>');
  });

  it("POST prints nothing, so one partial serves create and edit", () => {
    expect(views.render("shared.twig", { item: null })).toBe("|");
    expect(views.render("shared.twig", { item: { id: 1 } })).toBe('<input type="hidden" name="_method" value="PUT">|');
  });

  it("GET, HEAD, an unknown word or no argument fail the render with T4_ERR_TEMPLATE_RENDER naming the value", () => {
    for (const method of ["GET", "head", "DESTROY", undefined]) {
      expect(() => views.render("form.twig", { method })).toThrow(
        expect.objectContaining({ code: "T4_ERR_TEMPLATE_RENDER", message: expect.stringContaining(`method_field(${JSON.stringify(method)})`) }),
      );
    }
  });
});
