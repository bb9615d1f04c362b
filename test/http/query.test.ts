import { describe, expect, it } from "vitest";
import { parseQuery } from "../../runtime/http/query.js";
import { HttpError } from "../../runtime/http/errors.js";

describe("parseQuery", () => {
  it("reads pairs, repeated keys as arrays, keys without '=' as empty strings", () => {
    const q = parseQuery("a=1&b=2&b=3&b=4&flag&c=x=y&&d=");
    expect({ ...q }).toEqual({ a: "1", b: ["2", "3", "4"], flag: "", c: "x=y", d: "" });
  });

  it("decodes percent-encoding and '+' in keys and values", () => {
    expect({ ...parseQuery("na%20me=J%C3%BCrgen+X&a+b=%2B") }).toEqual({ "na me": "Jürgen X", "a b": "+" });
  });

  it("skips empty pairs at either end", () => {
    expect({ ...parseQuery("&a=1&") }).toEqual({ a: "1" });
    expect({ ...parseQuery("&&") }).toEqual({});
    expect(Object.keys(parseQuery(""))).toEqual([]);
  });

  it("bad percent-encoding is a 400 HttpError", () => {
    const attempt = () => parseQuery("a=%E0%A4%A");
    expect(attempt).toThrow(HttpError);
    expect(attempt).toThrow(expect.objectContaining({ status: 400 }));
  });

  it("inherits nothing: __proto__, constructor and toString are own parameters like any other", () => {
    const q = parseQuery("__proto__=x&constructor=y&toString=z&hasOwnProperty=w");
    expect(Object.keys(q)).toEqual(["__proto__", "constructor", "toString", "hasOwnProperty"]);
    expect(q["__proto__"]).toBe("x");
    expect(q.constructor).toBe("y");
    expect(q.toString).toBe("z");
    const empty = parseQuery("a=1");
    expect("toString" in empty).toBe(false);
    expect("constructor" in empty).toBe(false);
    expect("__proto__" in empty).toBe(false);
  });

  it("a polluted Object.prototype does not show through", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = "yes";
    try {
      const q = parseQuery("a=1");
      expect(q.polluted).toBeUndefined();
      expect("polluted" in q).toBe(false);
    } finally {
      delete proto.polluted;
    }
  });

  it("nothing can be added to what every result inherits", () => {
    const inherited = Object.getPrototypeOf(parseQuery("a=1")) as Record<string, unknown> | null;
    expect(() => {
      (inherited as Record<string, unknown>).leak = "x";
    }).toThrow(TypeError);
    expect(parseQuery("a=1").leak).toBeUndefined();
  });
});
