import { describe, expect, it } from "vitest";
import { jsonBody } from "../../runtime/http/json-body.js";

/** jsonBody must give JSON.stringify's text every time: the first calls (no writer yet) and later ones (a generated writer). */
function same(make: () => unknown): void {
  for (let i = 0; i < 4; i++) {
    const value = make();
    expect(jsonBody(value)).toBe(JSON.stringify(value) ?? "null");
  }
}

const rows = (n: number, row: (i: number) => Record<string, unknown>) => Array.from({ length: n }, (_, i) => row(i));

describe("jsonBody: JSON.stringify's text for every value", () => {
  it("arrays of flat rows (the generated writer's case)", () => {
    same(() => rows(20, (i) => ({ id: i, randomNumber: (i * 7919) % 10_000 })));
    same(() => rows(5, (i) => ({ name: `n${i}`, ok: i % 2 === 0, nothing: null, price: i + 0.25 })));
  });

  it("rows whose keys differ from the first row's: added, missing, reordered", () => {
    same(() => [{ a: 1, b: 2 }, { a: 1, b: 2, c: 3 }, { a: 1, b: 2 }]);
    same(() => [{ a: 1, b: 2 }, { a: 1 }, { a: 1, b: 2 }]);
    same(() => [{ a: 1, b: 2 }, { b: 2, a: 1 }]);
    same(() => [{ a: 1, b: 2 }, { a: 1, c: 2 }]);
  });

  it("a row mutated after the shape got its writer", () => {
    same(() => [{ id: 1, n: 2 }, { id: 3, n: 4 }]);
    const list: Record<string, unknown>[] = [{ id: 1, n: 2 }, { id: 3, n: 4 }];
    list[1]!.extra = "x";
    expect(jsonBody(list)).toBe(JSON.stringify(list));
    delete list[1]!.extra;
    delete list[0]!.n;
    expect(jsonBody(list)).toBe(JSON.stringify(list));
    list[0]!.n = undefined;
    expect(jsonBody(list)).toBe(JSON.stringify(list));
  });

  it("strings that need escaping: quotes, backslashes, control characters, lone and paired surrogates, non-ASCII", () => {
    const texts = ['say "hi"', "back\\slash", "tab\tnew\nline\u0000\u001f", "lone \ud800 high", "lone \udc00 low", "pair \ud83d\ude00", "Jürgen – 東京", "</script>", "\u2028\u2029", ""];
    same(() => texts.map((t, i) => ({ i, t })));
  });

  it("numbers: NaN, ±Infinity, -0, exponents, fractions", () => {
    const numbers = [Number.NaN, Infinity, -Infinity, -0, 1e21, 1.5e-7, 0.1 + 0.2, Number.MAX_SAFE_INTEGER, -42];
    same(() => numbers.map((n, i) => ({ i, n })));
  });

  it("values JSON.stringify drops or converts: undefined, functions, symbols, Dates, nested objects and arrays, boxed values", () => {
    const values: unknown[] = [undefined, () => 1, Symbol("s"), new Date(0), new Date(Number.NaN), { x: [1, { y: 2 }] }, [1, "2"], new String("boxed"), new Number(3)];
    same(() => values.map((v, i) => ({ i, v })));
  });

  it("a bigint throws the same TypeError", () => {
    const value = [{ id: 1 }, { id: 2n }];
    expect(() => JSON.stringify(value)).toThrow(TypeError);
    expect(() => jsonBody(value)).toThrow(TypeError);
    same(() => [{ id: 1 }, { id: 2 }]);
    expect(() => jsonBody([{ id: 1 }, { id: 2n }])).toThrow(TypeError);
  });

  it("toJSON anywhere: on a row, on a class instance, on Object.prototype or Array.prototype", () => {
    same(() => [{ a: 1, toJSON: () => "custom" }, { a: 2, toJSON: () => "custom" }]);
    class Point {
      constructor(readonly x: number) {}
      toJSON() {
        return `P${this.x}`;
      }
    }
    same(() => [new Point(1), new Point(2)]);
    same(() => [{ x: 0 }, new Point(1), new Point(2)]); // plain first row, then instances with the same own keys
    same(() => [new Point(1), { x: 2 }, { x: 3 }]); // an instance first, then plain rows with its keys
    same(() => [{ a: 1 }, { a: 2 }]);
    const objectProto = Object.prototype as Record<string, unknown>;
    const arrayProto = Array.prototype as unknown as Record<string, unknown>;
    Object.defineProperty(objectProto, "toJSON", { value: () => "patched", configurable: true, writable: true });
    try {
      same(() => [{ a: 1 }, { a: 2 }]);
    } finally {
      delete objectProto.toJSON;
    }
    Object.defineProperty(arrayProto, "toJSON", { value: () => "patched array", configurable: true, writable: true });
    try {
      same(() => [{ a: 1 }, { a: 2 }]);
    } finally {
      delete arrayProto.toJSON;
    }
  });

  it("inherited keys: an enumerable key on Object.prototype, rows made with another prototype, null-prototype rows", () => {
    same(() => [{ a: 1 }, { a: 2 }]);
    const objectProto = Object.prototype as Record<string, unknown>;
    objectProto.polluted = "yes";
    try {
      same(() => [{ a: 1 }, { a: 2 }]);
    } finally {
      delete objectProto.polluted;
    }
    // a key the row lacks but Object.prototype has (non-enumerable): JSON.stringify skips it
    same(() => [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    Object.defineProperty(objectProto, "b", { value: 7, enumerable: false, configurable: true, writable: true });
    try {
      same(() => [{ a: 1, b: 2 }, { a: 3 }]);
    } finally {
      delete objectProto.b;
    }
    const base = { inherited: 1 };
    same(() => [Object.assign(Object.create(base) as object, { a: 1 }), Object.assign(Object.create(base) as object, { a: 2 })]);
    same(() => [Object.assign(Object.create(null) as object, { a: 1 }), Object.assign(Object.create(null) as object, { a: 2 })]);
  });

  it("odd keys: __proto__ as an own key, integer-like keys (ordered first), quotes and control characters in keys", () => {
    same(() => [JSON.parse('{"__proto__": 1, "a": 2}') as object, JSON.parse('{"__proto__": 3, "a": 4}') as object]);
    same(() => [{ b: 1, 2: "two", 1: "one" }, { b: 2, 2: "two", 1: "one" }]);
    same(() => [{ 'we"ird\\key\n': 1, "\u0000": 2 }, { 'we"ird\\key\n': 3, "\u0000": 4 }]);
    same(() => [{ "a\u0000b": 1 }, { "a\u0000b": 2 }]);
    same(() => [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  });

  it("not arrays of rows: holes, primitives, mixed entries, nested arrays, empty objects, single values", () => {
    same(() => [{ a: 1 }, , { a: 2 }]); // eslint-disable-line no-sparse-arrays
    same(() => [{ a: 1 }, null, { a: 2 }]);
    same(() => [{ a: 1 }, 5, "x"]);
    same(() => [[1, 2], [3, 4]]);
    same(() => [{}, {}]);
    same(() => [1, 2, 3]);
    same(() => ({ message: "Hello, World!" }));
    same(() => [{ a: 1 }]);
    same(() => []);
    expect(jsonBody(undefined)).toBe("null");
    expect(jsonBody(() => 1)).toBe("null");
    expect(jsonBody("text")).toBe('"text"');
  });

  it("an array subclass (with and without toJSON) and an array with extra own properties", () => {
    class Rows extends Array<unknown> {}
    same(() => Rows.from([{ a: 1 }, { a: 2 }]));
    class Page extends Array<unknown> {
      toJSON() {
        return { page: [...this] };
      }
    }
    same(() => Page.from([{ a: 1 }, { a: 2 }]));
    same(() => Object.assign([{ a: 1 }, { a: 2 }], { total: 2 }));
  });

  it("random rows drawn from the awkward values above agree with JSON.stringify", () => {
    const pool: unknown[] = [0, -0, 1.5, Number.NaN, Infinity, "", "plain", 'q"uote', "\ud800", "é", true, false, null, undefined, new Date(5), { n: 1 }, [1]];
    const keys = ["id", "name", "value", "flag"];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const list = rows(2 + rnd(6), () => {
        const row: Record<string, unknown> = {};
        for (const key of keys) if (rnd(10) !== 0) row[key] = rnd(3) === 0 ? pool[rnd(pool.length)] : rnd(1000);
        return row;
      });
      expect(jsonBody(list)).toBe(JSON.stringify(list));
      expect(jsonBody(list)).toBe(JSON.stringify(list));
    }
  });
});
