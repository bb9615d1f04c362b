// Express 5 as a user writes it for the TFB test types: pg Pool, res.json, twig views
// (auto-escaping) for /fortunes, an LRU (lru.min) in front of CachedWorld, and a middleware
// for the Server header.
import express from "express";
import twig from "twig";
import pg from "pg";
import { createLRU } from "lru.min";
import {
  ADDED_FORTUNE, ALL_FORTUNES, CACHED_WORLD_BY_ID, VIEWS_DIR, WORLD_BY_ID, announce, batchUpdate, byMessage, count, exitOn, randomId, settings,
} from "./common.mjs";

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.pool });
const cache = createLRU({ max: settings.cacheEntries });
const app = express();
app.disable("etag");
app.disable("x-powered-by");
app.set("views", VIEWS_DIR);
app.set("view engine", "twig");
app.engine("twig", twig.__express);
app.set("twig options", { autoescape: true });

app.use((req, res, next) => {
  res.setHeader("Server", "express");
  next();
});

async function findWorld(id) {
  const { rows } = await pool.query(WORLD_BY_ID, [id]);
  return rows[0];
}

app.get("/json", (req, res) => {
  res.json({ message: "Hello, World!" });
});

app.get("/plaintext", (req, res) => {
  res.type("text/plain").send("Hello, World!");
});

app.get("/db", async (req, res) => {
  res.json(await findWorld(randomId()));
});

app.get("/queries", async (req, res) => {
  const n = count(req.query.queries);
  const pending = [];
  for (let i = 0; i < n; i++) pending.push(findWorld(randomId()));
  res.json(await Promise.all(pending));
});

app.get("/fortunes", async (req, res) => {
  const { rows } = await pool.query(ALL_FORTUNES);
  rows.push(ADDED_FORTUNE);
  rows.sort(byMessage);
  res.render("fortunes.twig", { fortunes: rows });
});

app.get("/updates", async (req, res) => {
  const n = count(req.query.queries);
  const pending = [];
  for (let i = 0; i < n; i++) pending.push(findWorld(randomId()));
  const found = await Promise.all(pending);
  for (const w of found) w.randomNumber = randomId();
  const { sql, params } = batchUpdate(found);
  await pool.query(sql, params);
  res.json(found);
});

app.get("/cached-queries", async (req, res) => {
  const n = count(req.query.count);
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
  res.json(out);
});

const server = app.listen(settings.port, "127.0.0.1", () => announce(server.address().port));
exitOn(async () => {
  await new Promise((resolve) => server.close(resolve));
  await pool.end();
});
