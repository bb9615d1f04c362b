// Raw node:http, the reference: /json and /plaintext (writeHead with every header in one call,
// then end(body)), and /cached-queries answered from a plain Map filled from PostgreSQL on a miss
// — the floor any framework on node:http can reach for the caching test.
import { createServer } from "node:http";
import pg from "pg";
import { CACHED_WORLD_BY_ID, announce, count, exitOn, randomId, settings } from "./common.mjs";

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.pool });
const cache = new Map();

/** n random CachedWorld rows: synchronously while every id hits, a query per missing id. */
function cachedWorlds(n, res) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const w = cache.get(randomId());
    if (w === undefined) return fill(out, i).then((rows) => sendJson(res, rows), (error) => fail(res, error));
    out[i] = w;
  }
  sendJson(res, out);
}

async function fill(out, from) {
  for (let i = from; i < out.length; i++) {
    const id = randomId();
    let w = cache.get(id);
    if (w === undefined) {
      const { rows } = await pool.query(CACHED_WORLD_BY_ID, [id]);
      w = rows[0];
      cache.set(id, w);
    }
    out[i] = w;
  }
  return out;
}

function fail(res, error) {
  console.error(error);
  res.writeHead(500, { server: "node", "content-length": 0 });
  res.end();
}

function sendJson(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { server: "node", "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.url === "/json") {
    sendJson(res, { message: "Hello, World!" });
  } else if (req.url === "/plaintext") {
    res.writeHead(200, { server: "node", "content-type": "text/plain", "content-length": 13 });
    res.end("Hello, World!");
  } else if (req.url.startsWith("/cached-queries")) {
    const q = req.url.indexOf("?");
    cachedWorlds(count(q < 0 ? undefined : new URLSearchParams(req.url.slice(q + 1)).get("count")), res);
  } else {
    res.writeHead(404, { server: "node", "content-length": 0 });
    res.end();
  }
});
server.listen(settings.port, "127.0.0.1", () => announce(server.address().port));
exitOn(async () => {
  await new Promise((resolve) => server.close(resolve));
  await pool.end();
});
