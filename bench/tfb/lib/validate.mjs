// TFB validation: what each test type must answer before it may be measured. A server that
// breaks a rule for a test type is reported as failed for it and not measured.
// Checked for every response: status 200, a Server header, a valid Date header, an exact
// Content-Length (or chunked encoding) and the test type's content type. Then per type:
//   json        {"message":"Hello, World!"} exactly (one key)
//   plaintext   "Hello, World!"
//   db          one object {id, randomNumber}, integers 1–10,000, equal to the row in the database
//   queries     an array (also for 1) of such objects; queries=N clamped to 1..500, a missing or
//               non-integer value means 1; the rows equal the database's
//   fortunes    text/html; charset=utf-8; the 12 rows plus the one added at request time,
//               sorted by message, every message HTML-escaped (no raw < or > in a cell), UTF-8 intact
//   updates     as queries, and the returned values are what the database now holds: only
//               returned rows changed, and (nearly) every one of them did
//   cached-queries  as queries (count=N), rows equal to CachedWorld; ids random per request (two
//               500-row answers differ, ≥ 400 distinct ids in one), so a cached response fails
import { request } from "node:http";
import { WORLD_ROWS, fortunesInPageOrder } from "./data.mjs";

export const TEST_TYPES = ["json", "plaintext", "db", "queries", "fortunes", "updates", "cached-queries"];

/** The test type a measured test id belongs to ("queries-20" → "queries"). */
export function testType(id) {
  return TEST_TYPES.find((t) => id === t || id.startsWith(`${t}-`)) ?? id;
}

/** One GET on a fresh connection: { status, headers, body (Buffer) }. */
export function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

/** The rules every TFB response follows; returns the body as text. */
function common(res, path, type) {
  check(res.status === 200, `GET ${path}: status ${res.status} (body ${res.body.toString("utf8").slice(0, 200)})`);
  check(typeof res.headers.server === "string" && res.headers.server.length > 0, `GET ${path}: no Server header`);
  const date = Date.parse(String(res.headers.date ?? ""));
  check(!Number.isNaN(date) && Math.abs(date - Date.now()) < 300_000, `GET ${path}: missing or invalid Date header "${res.headers.date ?? ""}"`);
  const length = res.headers["content-length"];
  if (length !== undefined) check(Number(length) === res.body.length, `GET ${path}: Content-Length ${length} but ${res.body.length} bytes`);
  else check(/chunked/i.test(String(res.headers["transfer-encoding"] ?? "")), `GET ${path}: neither Content-Length nor chunked encoding`);
  const contentType = String(res.headers["content-type"] ?? "").toLowerCase();
  check(type.test(contentType), `GET ${path}: content-type "${contentType}", expected ${type}`);
  const text = res.body.toString("utf8");
  check(Buffer.from(text, "utf8").equals(res.body), `GET ${path}: body is not valid UTF-8`);
  return text;
}

const JSON_TYPE = /^application\/json(\s*;\s*charset=utf-8)?$/;
const TEXT_TYPE = /^text\/plain(\s*;\s*charset=utf-8)?$/;
const HTML_TYPE = /^text\/html\s*;\s*charset=utf-8$/;

function parseJson(text, path) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Failure(`GET ${path}: body is not JSON: ${text.slice(0, 200)}`);
  }
}

function checkWorld(w, path) {
  check(w !== null && typeof w === "object" && !Array.isArray(w), `GET ${path}: ${JSON.stringify(w)} is not a World object`);
  const keys = Object.keys(w).sort().join(",");
  check(keys === "id,randomNumber", `GET ${path}: World keys are "${keys}", expected exactly id and randomNumber`);
  for (const key of ["id", "randomNumber"]) {
    check(Number.isInteger(w[key]) && w[key] >= 1 && w[key] <= WORLD_ROWS, `GET ${path}: ${key} ${JSON.stringify(w[key])} is not an integer 1–${WORLD_ROWS}`);
  }
}

/** `{id → randomNumber}` for these ids, from the database. */
async function rowsOf(client, table, ids) {
  const { rows } = await client.query(`SELECT id, randomnumber AS n FROM ${table} WHERE id = ANY($1::int[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r.n]));
}

async function checkAgainstTable(client, table, worlds, path) {
  const actual = await rowsOf(client, table, worlds.map((w) => w.id));
  for (const w of worlds) {
    check(actual.get(w.id) === w.randomNumber, `GET ${path}: returned ${JSON.stringify(w)} but ${table} holds randomNumber ${actual.get(w.id)} for id ${w.id}`);
  }
}

/** queries=… values and the row counts TFB expects for them. */
const COUNT_CASES = [[undefined, 1], ["", 1], ["foo", 1], ["0", 1], ["-3", 1], ["1", 1], ["20", 20], ["501", 500]];

async function worldList(port, route, param, value, expected) {
  const path = value === undefined ? route : `${route}?${param}=${value}`;
  const list = parseJson(common(await get(port, path), path, JSON_TYPE), path);
  check(Array.isArray(list), `GET ${path}: expected a JSON array, got ${JSON.stringify(list).slice(0, 100)}`);
  check(list.length === expected, `GET ${path}: ${list.length} rows, expected ${expected}`);
  for (const w of list) checkWorld(w, path);
  return { path, list };
}

const VALIDATORS = {
  async json(port) {
    const text = common(await get(port, "/json"), "/json", JSON_TYPE);
    const body = parseJson(text, "/json");
    check(body !== null && typeof body === "object" && Object.keys(body).length === 1 && body.message === "Hello, World!", `GET /json: body ${text}`);
  },

  async plaintext(port) {
    const text = common(await get(port, "/plaintext"), "/plaintext", TEXT_TYPE);
    check(text === "Hello, World!", `GET /plaintext: body ${JSON.stringify(text.slice(0, 100))}`);
  },

  async db(port, client) {
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      const w = parseJson(common(await get(port, "/db"), "/db", JSON_TYPE), "/db");
      checkWorld(w, "/db");
      await checkAgainstTable(client, "world", [w], "/db");
      ids.add(w.id);
    }
    check(ids.size > 1, "GET /db: five requests returned the same row (ids must be random)");
  },

  async queries(port, client) {
    for (const [value, expected] of COUNT_CASES) {
      const { path, list } = await worldList(port, "/queries", "queries", value, expected);
      if (expected > 1) await checkAgainstTable(client, "world", list, path);
      if (expected === 500) check(new Set(list.map((w) => w.id)).size > 1, `GET ${path}: every row has the same id`);
    }
  },

  async fortunes(port) {
    const text = common(await get(port, "/fortunes"), "/fortunes", HTML_TYPE);
    const page = text.replace(/>\s+</g, "><").trim();
    const shape =
      /^<!doctype html><html><head><title>Fortunes<\/title><\/head><body><table><tr><th>id<\/th><th>message<\/th><\/tr>((?:<tr><td>.*?<\/td><td>.*?<\/td><\/tr>)*)<\/table><\/body><\/html>$/is;
    const match = shape.exec(page);
    check(match !== null, `GET /fortunes: the page is not the Fortunes table: ${page.slice(0, 300)}`);
    const rows = [...match[1].matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/gs)].map((m) => [m[1], m[2]]);
    const expected = fortunesInPageOrder();
    check(rows.length === expected.length, `GET /fortunes: ${rows.length} rows, expected ${expected.length}`);
    rows.forEach(([id, cell], i) => {
      const [wantId, wantMessage] = expected[i];
      check(id.trim() === String(wantId), `GET /fortunes: row ${i + 1} has id ${id}, expected ${wantId} (sorted by message)`);
      check(!/[<>]/.test(cell), `GET /fortunes: row ${i + 1} (id ${wantId}) is not HTML-escaped: ${cell}`);
      const decoded = decodeEntities(cell, i + 1);
      check(decoded === wantMessage, `GET /fortunes: row ${i + 1} reads ${JSON.stringify(decoded)}, expected ${JSON.stringify(wantMessage)}`);
    });
  },

  async updates(port, client) {
    for (const [value, expected] of COUNT_CASES) {
      if (expected === 1 || expected === 20) {
        const before = await rowsOf(client, "world", Array.from({ length: WORLD_ROWS }, (_, i) => i + 1));
        const { path, list } = await worldList(port, "/updates", "queries", value, expected);
        const after = await rowsOf(client, "world", Array.from({ length: WORLD_ROWS }, (_, i) => i + 1));
        const returned = new Map();
        for (const w of list) returned.set(w.id, [...(returned.get(w.id) ?? []), w.randomNumber]);
        const changed = [...after.keys()].filter((id) => after.get(id) !== before.get(id));
        for (const id of changed) check(returned.has(id), `GET ${path}: row ${id} changed but was not returned`);
        for (const [id, values] of returned) {
          check(values.includes(after.get(id)), `GET ${path}: returned randomNumber ${values.join("/")} for id ${id}, the database holds ${after.get(id)}`);
        }
        // a new random value equals the old one with probability 1/10,000 per row
        check(changed.length >= returned.size - 1, `GET ${path}: only ${changed.length} of ${returned.size} returned rows changed in the database`);
      } else {
        await worldList(port, "/updates", "queries", value, expected);
      }
    }
  },

  async "cached-queries"(port, client) {
    let previous = [];
    for (const [value, expected] of COUNT_CASES) {
      const { path, list } = await worldList(port, "/cached-queries", "count", value, expected);
      await checkAgainstTable(client, "cachedworld", list, path);
      if (expected === 500) previous = list;
    }
    // a second pass is answered from the cache: it must still be right
    const { path, list } = await worldList(port, "/cached-queries", "count", "500", 500);
    await checkAgainstTable(client, "cachedworld", list, path);
    // TFB: each row's id is picked at random per request (≈ 488 distinct in 500; caching the response is not allowed)
    const distinct = new Set(list.map((w) => w.id)).size;
    check(distinct >= 400, `GET ${path}: ${distinct} distinct ids in 500 rows: ids are not picked at random per row`);
    check(list.some((w, i) => w.id !== previous[i]?.id), `GET ${path}: the same ids as the previous 500-row response: the response itself is cached`);
  },
};

const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", mdash: "—" };

/** Character and entity references → text; a bare & (not a reference) is an escaping failure. */
function decodeEntities(cell, row) {
  return cell.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);|&/gi, (whole, ref) => {
    check(ref !== undefined, `GET /fortunes: row ${row} has an unescaped &: ${cell}`);
    const lower = ref.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    check(lower in NAMED, `GET /fortunes: row ${row} has an unknown entity ${whole}`);
    return NAMED[lower];
  });
}

/**
 * Validates the given test types against a running server. `client` is a connected pg.Client
 * on the TFB database (rows are compared with what it holds). Returns {type: null | message}.
 */
export async function validate(port, client, types = TEST_TYPES) {
  const results = {};
  for (const type of types) {
    try {
      await VALIDATORS[type](port, client);
      results[type] = null;
    } catch (error) {
      results[type] = error instanceof Failure ? error.message : `GET ${type}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return results;
}
