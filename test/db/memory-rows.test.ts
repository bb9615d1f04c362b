import { describe, expect, it } from "vitest";
import { MemoryRows, decodedOf } from "../../runtime/db/query-cache/memory-rows.js";
import type { Row, SqlParams } from "../../runtime/db/types.js";

// The memory tier of the query cache, on its own instance (not the process-wide one), so
// eviction and recency are exact. firstRows is the batch-by-id path fetchMany takes.
const statement = {};
const rowFor = (id: number, name = `n${id}`): Row => ({ id, name });
const put = (rows: MemoryRows, id: number, token: string, ttlMs = 0, row: Row | null = rowFor(id)) =>
  rows.set(statement, id, token, decodedOf(row === null ? [] : [row], ["id", "name"]), ttlMs);

function batch(rows: MemoryRows, ids: number[], token: string, now = Date.now()): { hits: number; out: (Row | null | undefined)[] } {
  const out = new Array<Row | null | undefined>(ids.length);
  const params: SqlParams[] = ids.map((id) => [id]);
  return { hits: rows.firstRows(statement, params, token, now, out), out };
}

describe("MemoryRows.firstRows (fetchMany's lookups by id)", () => {
  it("answers hits in order, leaves misses undefined, gives null for a stored empty result", () => {
    const rows = new MemoryRows(100);
    put(rows, 1, "t");
    put(rows, 2, "t", 0, null);
    const { hits, out } = batch(rows, [2, 3, 1, 1], "t");
    expect(hits).toBe(3);
    expect(out).toEqual([null, undefined, { id: 1, name: "n1" }, { id: 1, name: "n1" }]);
  });

  it("hands out copies: mutating one never changes the next hit (flat rows and rows holding objects)", () => {
    const rows = new MemoryRows(100);
    put(rows, 1, "t");
    rows.set(statement, 2, "t", decodedOf([{ id: 2, at: new Date(5), doc: { tags: [1] } }], ["id", "at", "doc"]), 0);
    const first = batch(rows, [1, 2], "t").out;
    first[0]!.name = "mutated";
    (first[1]!.at as Date).setTime(0);
    (first[1]!.doc as { tags: number[] }).tags.push(9);
    const again = batch(rows, [1, 2, 1], "t").out;
    expect(again).toEqual([{ id: 1, name: "n1" }, { id: 2, at: new Date(5), doc: { tags: [1] } }, { id: 1, name: "n1" }]);
    expect(again[0]).not.toBe(again[2]);
  });

  it("serves only entries made under the current token; an entry stored again under a new token is the new row", () => {
    const rows = new MemoryRows(100);
    put(rows, 1, "old");
    expect(batch(rows, [1], "new").hits).toBe(0);
    put(rows, 1, "new", 0, rowFor(1, "after the write"));
    expect(batch(rows, [1], "new").out).toEqual([{ id: 1, name: "after the write" }]);
    expect(batch(rows, [1], "old").hits).toBe(0);
  });

  it("drops an expired entry; stored again, it is served under its new expiry", () => {
    const rows = new MemoryRows(100);
    put(rows, 1, "t", 1000);
    const now = Date.now();
    expect(batch(rows, [1], "t", now + 500).hits).toBe(1);
    expect(batch(rows, [1], "t", now + 5000).hits).toBe(0);
    expect(rows.size()).toBe(0);
    put(rows, 1, "t", 60_000, rowFor(1, "again"));
    expect(batch(rows, [1], "t", now + 5000).out).toEqual([{ id: 1, name: "again" }]);
  });

  it("keeps at most maxEntries, evicting the least recently used; a hit by id counts as a use", () => {
    const rows = new MemoryRows(4);
    for (const id of [1, 2, 3, 4]) put(rows, id, "t");
    expect(batch(rows, [1], "t").hits).toBe(1); // 1 is now the most recently used
    put(rows, 5, "t"); // evicts 2
    put(rows, 6, "t"); // evicts 3
    expect(rows.size()).toBe(4);
    const { hits, out } = batch(rows, [1, 2, 3, 4, 5, 6], "t");
    expect(hits).toBe(4);
    expect(out.map((r) => r?.id)).toEqual([1, undefined, undefined, 4, 5, 6]);
  });

  it("an evicted id stays evicted even under the same token", () => {
    const rows = new MemoryRows(2);
    put(rows, 1, "t");
    put(rows, 2, "t");
    put(rows, 3, "t"); // evicts 1
    expect(batch(rows, [1], "t").hits).toBe(0);
    expect(rows.get(statement, 1, "t", Date.now())).toBeUndefined();
  });

  it("a recently stored row evicted as its statement's oldest is not served either", () => {
    const rows = new MemoryRows(8);
    const other = {};
    for (let id = 1; id <= 6; id++) rows.set(other, id, "t", decodedOf([rowFor(id)], ["id", "name"]), 0);
    put(rows, 1, "t");
    put(rows, 2, "t");
    put(rows, 3, "t"); // over the bound: this statement has others, so its oldest (1) goes
    const { hits, out } = batch(rows, [1, 2, 3], "t");
    expect(hits).toBe(2);
    expect(out.map((r) => r?.id)).toEqual([undefined, 2, 3]);
  });

  it("ids outside the array index (large, negative, fractional) are looked up by the map, with the same rules", () => {
    const rows = new MemoryRows(100);
    const ids = [2 ** 30, -3, 1.5];
    for (const id of ids) put(rows, id, "t", 1000);
    const now = Date.now();
    expect(batch(rows, ids, "t", now).out).toEqual(ids.map((id) => ({ id, name: `n${id}` })));
    expect(batch(rows, ids, "other", now).hits).toBe(0);
    expect(batch(rows, ids, "t", now + 5000).hits).toBe(0);
  });

  it("params that are not one number are left to the caller", () => {
    const rows = new MemoryRows(100);
    put(rows, 1, "t");
    const out = new Array<Row | null | undefined>(3);
    expect(rows.firstRows(statement, [["1"], [1, 2], []], "t", Date.now(), out)).toBe(0);
    expect(out).toEqual([undefined, undefined, undefined]);
  });
});
