// The TechEmpower data set: a World table of 10,000 rows (id 1–10,000, randomNumber 1–10,000),
// a CachedWorld copy for the caching test, and the 12 fixed Fortune rows (one of them an XSS
// probe, one in Japanese) plus the row every /fortunes response adds at request time.

export const WORLD_ROWS = 10_000;

export const FORTUNES = [
  [1, "fortune: No such file or directory"],
  [2, "A computer scientist is someone who fixes things that aren't broken."],
  [3, "After enough decimal places, nobody gives a damn."],
  [4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"],
  [5, "A computer program does what you tell it to do, not what you want it to do."],
  [6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"],
  [7, "Any program that runs right is obsolete."],
  [8, "A list is only as strong as its weakest link. — Donald Knuth"],
  [9, "Feature: A bug with seniority."],
  [10, "Computers make very fast, very accurate mistakes."],
  [11, '<script>alert("This should not be displayed in a browser alert box.");</script>'],
  [12, "フレームワークのベンチマーク"],
];

export const ADDED_FORTUNE = [0, "Additional fortune added at request time."];

/** The 13 rows of a correct /fortunes page, in page order (sorted by message, code-unit order). */
export function fortunesInPageOrder() {
  return [...FORTUNES, ADDED_FORTUNE].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/** Test types, their paths and what each path must answer (see lib/validate.mjs). */
export const TESTS = [
  { id: "json", path: "/json" },
  { id: "plaintext", path: "/plaintext", pipeline: 16 },
  { id: "db", path: "/db" },
  { id: "queries-1", path: "/queries?queries=1" },
  { id: "queries-20", path: "/queries?queries=20" },
  { id: "fortunes", path: "/fortunes" },
  { id: "updates-1", path: "/updates?queries=1" },
  { id: "updates-20", path: "/updates?queries=20" },
  { id: "cached-queries-20", path: "/cached-queries?count=20" },
];
