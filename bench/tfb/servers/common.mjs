// What the Fastify and Express TFB servers share: settings from the runner, the TFB rules for
// the count parameter and random ids, and the SQL (the same statements tina4's app runs).
import { announce, exitOn } from "../../lib/child.mjs";

export { announce, exitOn };

export const settings = {
  databaseUrl: required("TFB_DATABASE_URL"),
  pool: Number(process.env.TFB_POOL ?? 8),
  port: Number(process.env.PORT ?? 0),
  /** LRU capacity for /cached-queries: the whole CachedWorld table fits. */
  cacheEntries: Number(process.env.TFB_CACHE_ENTRIES ?? 20_000),
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`TFB server: ${name} is not set (the runner sets it; see bench/tfb/run.mjs)`);
    process.exit(2);
  }
  return value;
}

/** TFB: not an integer → 1; below 1 → 1; above 500 → 500. */
export function count(value) {
  const n = Number.parseInt(String(value ?? ""), 10);
  if (Number.isNaN(n) || n < 1) return 1;
  return n > 500 ? 500 : n;
}

export function randomId() {
  return 1 + Math.floor(Math.random() * 10_000);
}

export const WORLD_BY_ID = 'SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = $1';
export const CACHED_WORLD_BY_ID = 'SELECT id, randomnumber AS "randomNumber" FROM cachedworld WHERE id = $1';
export const ALL_FORTUNES = "SELECT id, message FROM fortune";
export const ADDED_FORTUNE = { id: 0, message: "Additional fortune added at request time." };

export function byMessage(a, b) {
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/**
 * One UPDATE for every changed row (TFB allows batching the writes; each read stays its own
 * query). Ids are deduplicated (the last new value wins) and sorted, so concurrent batches
 * lock rows in the same order and cannot deadlock.
 */
export function batchUpdate(worlds, placeholder = (n) => `$${n}`) {
  const latest = new Map();
  for (const w of worlds) latest.set(w.id, w.randomNumber);
  const ids = [...latest.keys()].sort((a, b) => a - b);
  const params = [];
  const rows = ids.map((id) => {
    params.push(id, latest.get(id));
    return `(${placeholder(params.length - 1)}::int, ${placeholder(params.length)}::int)`;
  });
  const sql = `UPDATE world AS w SET randomnumber = v.r FROM (VALUES ${rows.join(", ")}) AS v(id, r) WHERE w.id = v.id`;
  return { sql, params };
}

/** The one fortunes template every server renders (the tina4 app's own). */
export const VIEWS_DIR = new URL("../tina4-app/src/templates/", import.meta.url).pathname;
