// Raw node:http, the reference: /json and /plaintext (writeHead with every header in one call,
// then end(body)), and /cached-queries answered from a plain Map filled from PostgreSQL on a miss
// — the floor any framework on node:http can reach for the caching test.
import { createServer } from "node:http";
import pg from "pg";
import { CACHED_WORLD_BY_ID, announce, count, exitOn, randomId, settings } from "./common.mjs";

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.pool });
const cache = new Map();

async function cachedWorlds(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
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
    const n = count(new URL(req.url, "http://x").searchParams.get("count"));
    cachedWorlds(n).then((rows) => sendJson(res, rows), (error) => {
      res.writeHead(500, { server: "node", "content-length": 0 });
      res.end();
      console.error(error);
    });
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
