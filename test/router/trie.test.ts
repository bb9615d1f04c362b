import { describe, expect, it } from "vitest";
import { RouteTrie } from "../../runtime/router/trie.js";
import { RouterError } from "../../runtime/router/errors.js";

const segs = (path: string) => path.split("/").filter(Boolean);

function found<T>(trie: RouteTrie<T>, method: string, path: string) {
  const result = trie.match(method, segs(path));
  if (result.kind !== "found") throw new Error(`expected a match for ${method} ${path}, got ${result.kind}`);
  return result;
}

describe("RouteTrie", () => {
  it("prefers static > typed > param > catch-all regardless of registration order", () => {
    const orders = [
      ["rest", "param", "typed", "static"],
      ["static", "typed", "param", "rest"],
      ["param", "rest", "static", "typed"],
    ];
    for (const order of orders) {
      const trie = new RouteTrie<string>();
      for (const kind of order) {
        if (kind === "static") trie.add("GET", "/users/me", "static");
        if (kind === "typed") trie.add("GET", "/users/{id:int}", "typed");
        if (kind === "param") trie.add("GET", "/users/{name}", "param");
        if (kind === "rest") trie.add("GET", "/users/{...rest}", "rest");
      }
      expect(found(trie, "GET", "/users/me").entry.data).toBe("static");
      expect(found(trie, "GET", "/users/42").entry.data).toBe("typed");
      expect(found(trie, "GET", "/users/bob").entry.data).toBe("param");
      expect(found(trie, "GET", "/users/a/b/c").entry.data).toBe("rest");
    }
  });

  it("coerces typed params and captures the catch-all remainder", () => {
    const trie = new RouteTrie<string>();
    trie.add("GET", "/p/{id:int}/{price:float}/{slug:slug}", "x");
    trie.add("GET", "/files/{...rest}", "files");
    trie.add("GET", "/u/{id:uuid}", "uuid");
    expect(found(trie, "GET", "/p/7/1.5/hello-world").params).toEqual({ id: 7, price: 1.5, slug: "hello-world" });
    expect(found(trie, "GET", "/files/a/b.txt").params).toEqual({ rest: "a/b.txt" });
    expect(found(trie, "GET", "/u/123e4567-e89b-12d3-a456-426614174000").entry.data).toBe("uuid");
    expect(trie.match("GET", segs("/u/not-a-uuid")).kind).toBe("not-found");
    expect(trie.match("GET", segs("/p/x/1/a")).kind).toBe("not-found");
  });

  it("backtracks to a less specific route when the specific branch lacks the method", () => {
    const trie = new RouteTrie<string>();
    trie.add("POST", "/users/new", "create-form");
    trie.add("GET", "/users/{id}", "show");
    expect(found(trie, "GET", "/users/new").entry.data).toBe("show");
    expect(found(trie, "POST", "/users/new").entry.data).toBe("create-form");
  });

  it("reports allowed methods for 405 and nothing for unknown paths", () => {
    const trie = new RouteTrie<string>();
    trie.add("GET", "/items", "list");
    trie.add("POST", "/items", "create");
    expect(trie.match("DELETE", segs("/items"))).toEqual({ kind: "method-not-allowed", allowed: ["GET", "HEAD", "OPTIONS", "POST"] });
    expect(trie.match("GET", segs("/nope")).kind).toBe("not-found");
  });

  it("HEAD falls back to GET and ANY matches every method", () => {
    const trie = new RouteTrie<string>();
    trie.add("GET", "/a", "get-a");
    trie.add("ANY", "/b", "any-b");
    expect(found(trie, "HEAD", "/a").entry.data).toBe("get-a");
    expect(found(trie, "PATCH", "/b").entry.data).toBe("any-b");
    expect(trie.matchStatic("HEAD", "/a")?.data).toBe("get-a");
  });

  it("replaces a duplicate METHOD + pattern and returns the previous entry", () => {
    const trie = new RouteTrie<string>();
    expect(trie.add("GET", "/x/{id}", "first")).toBeUndefined();
    expect(trie.add("GET", "/x/{other}", "second")?.data).toBe("first");
    expect(found(trie, "GET", "/x/1").entry.data).toBe("second");
    expect(trie.entries()).toHaveLength(1);
    expect(trie.size).toBe(1);
    trie.add("POST", "/x/{id}", "post");
    trie.add("GET", "/x", "list");
    expect(trie.size).toBe(3);
    expect(trie.entries()).toHaveLength(3);
  });

  it("rejects unknown param types, malformed and misplaced patterns", () => {
    const trie = new RouteTrie<string>();
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(RouterError);
        return (error as RouterError).code;
      }
      return "no error";
    };
    expect(codeOf(() => trie.add("GET", "/a/{id:number}", "x"))).toBe("T4_ERR_ROUTE_PARAM_TYPE");
    expect(codeOf(() => trie.add("GET", "/a/{...rest}/b", "x"))).toBe("T4_ERR_ROUTE_PATTERN");
    expect(codeOf(() => trie.add("GET", "/a/{id", "x"))).toBe("T4_ERR_ROUTE_PATTERN");
    expect(codeOf(() => trie.add("GET", "no-slash", "x"))).toBe("T4_ERR_ROUTE_PATTERN");
    expect(codeOf(() => trie.add("GET", "/a/{id}/{id}", "x"))).toBe("T4_ERR_ROUTE_PATTERN");
  });

  it("matching work depends on path depth, not on the number of routes", () => {
    // Count node visits indirectly: a trie with 10,000 sibling routes must still resolve a
    // deep parameterised path by touching only the nodes on that path (Map lookups).
    const trie = new RouteTrie<number>();
    for (let i = 0; i < 10_000; i++) trie.add("GET", `/r${i}/{id:int}/items`, i);
    const spy = { calls: 0 };
    const original = Map.prototype.get;
    Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
      spy.calls++;
      return original.call(this, key);
    };
    try {
      expect(found(trie, "GET", "/r9999/5/items").entry.data).toBe(9999);
    } finally {
      Map.prototype.get = original;
    }
    expect(spy.calls).toBeLessThan(10);
  });
});
