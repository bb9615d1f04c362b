/**
 * runtime/http/accepts.ts: which requests count as a browser page load (HTML error pages, the
 * TINA4_LOGIN_URL redirect). The through-the-server cases are in html-errors.test.ts; these are
 * the parsing edges.
 */
import { describe, expect, it } from "vitest";
import { parseAccept, prefersHtml, quality } from "../../runtime/http/accepts.js";

describe("prefersHtml", () => {
  it.each([
    ["TEXT/HTML", true],
    ["text/*", true],
    [" text/html ; q=0.9 , application/json ; q=0.8", true],
    ["text/html;level=1", true],
    ["text/html;q=abc", false], // a malformed q drops the range (RFC 9110: 0-1, three decimals)
    ["text/html;q=1.5", false],
    ["text/html;q=0.0001", false],
    ["image/png", false],
    ["application/*", false],
    ["application/*;q=0.1, text/html;q=0.2", true],
    ["application/json;q=0.1, */*", true], // the most specific range counts for JSON
    ["text/html;q=0, text/*", false], // and for HTML
    ["html", false],
    [",,;q=1,/", false],
  ])("%j → %s", (accept, expected) => {
    expect(prefersHtml({ accept })).toBe(expected);
  });

  it("never for an XMLHttpRequest (any letter case), nor without an Accept header", () => {
    expect(prefersHtml({ accept: "text/html", "x-requested-with": "xmlhttprequest" })).toBe(false);
    expect(prefersHtml({ accept: "text/html", "x-requested-with": "fetch" })).toBe(true);
    expect(prefersHtml({})).toBe(false);
    expect(prefersHtml({ accept: "" })).toBe(false);
  });
});

describe("parseAccept and quality", () => {
  it("keeps type, subtype and q of each well-formed range", () => {
    expect(parseAccept("text/html, application/json;q=0.5, bad, */*;q=0.1")).toEqual([
      { type: "text", subtype: "html", q: 1 },
      { type: "application", subtype: "json", q: 0.5 },
      { type: "*", subtype: "*", q: 0.1 },
    ]);
    const ranges = parseAccept("text/*;q=0.3, */*;q=0.2, text/html;q=0.7, text/html;q=0.6");
    expect(quality(ranges, "text", "html")).toBe(0.7);
    expect(quality(ranges, "text", "plain")).toBe(0.3);
    expect(quality(ranges, "application", "json")).toBe(0.2);
    expect(quality([], "text", "html")).toBe(0);
  });
});
