// What every hello server answers, and the route set for the route-count scenarios.

export const HELLO_PATH = "/api/hello";
export const HELLO = { message: "Hello from tina4!" };
export const HELLO_BODY = JSON.stringify(HELLO);

/** The parameterised route every route-count scenario hits, and its expected answer. */
export const TARGET_PATTERN = "/api/users/{id:int}";
export const TARGET_PATH = "/api/users/42";
export const TARGET_BODY = JSON.stringify({ id: 42 });

/**
 * A REST-like route table: per resource a static list route, typed and untyped
 * parameters, nested items and a slug lookup (8 routes per resource), all under the same
 * `/api` prefix as the target so the target's trie level really holds every resource.
 * Returns exactly `count - 1` filler routes as [method, pattern].
 */
export function fillerRoutes(count) {
  const routes = [];
  for (let i = 0; routes.length < count - 1; i++) {
    const base = `/api/resource${i}`;
    routes.push(
      ["get", base],
      ["get", `${base}/{id:int}`],
      ["post", base],
      ["put", `${base}/{id:int}`],
      ["del", `${base}/{id:int}`],
      ["get", `${base}/{id}/items`],
      ["get", `${base}/{id}/items/{itemId:int}`],
      ["get", `${base}/by-slug/{slug:slug}`],
    );
  }
  return routes.slice(0, count - 1);
}

/** The responseCache benchmark route's work: a listing built, sorted and shaped on every call. */
export const CATALOG_PATH = "/api/catalog";
export function catalog() {
  const items = [];
  for (let i = 0; i < 50; i++) {
    items.push({ id: i + 1, name: `Product ${String(i * 7919 % 50).padStart(2, "0")}`, price: Math.round(((i * 37) % 100) * 1.5 * 100) / 100, tags: ["a", "b", "c"].slice(0, 1 + (i % 3)) });
  }
  items.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  return { total: items.length, items: items.map((item) => ({ ...item, label: `${item.name} — $${item.price.toFixed(2)}` })) };
}
