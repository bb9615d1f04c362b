// Fastify 5 as a user writes it for the TFB test types: pg Pool, response schemas
// (fast-json-stringify), @fastify/view with twig (auto-escaping) for /fortunes, an LRU
// (lru.min) in front of CachedWorld, and an onRequest hook for the Server header.
import Fastify from "fastify";
import fastifyView from "@fastify/view";
import twig from "twig";
import pg from "pg";
import { createLRU } from "lru.min";
import {
  ADDED_FORTUNE, ALL_FORTUNES, CACHED_WORLD_BY_ID, VIEWS_DIR, WORLD_BY_ID, announce, batchUpdate, byMessage, count, exitOn, randomId, settings,
} from "./common.mjs";

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.pool });
const cache = createLRU({ max: settings.cacheEntries });
const app = Fastify({ logger: false });
await app.register(fastifyView, { engine: { twig }, root: VIEWS_DIR, options: { settings: { "twig options": { autoescape: true } } } });

app.addHook("onRequest", (request, reply, done) => {
  reply.header("server", "fastify");
  done();
});

const world = { type: "object", properties: { id: { type: "integer" }, randomNumber: { type: "integer" } } };
const worlds = { type: "array", items: world };

async function findWorld(id) {
  const { rows } = await pool.query(WORLD_BY_ID, [id]);
  return rows[0];
}

app.get("/json", { schema: { response: { 200: { type: "object", properties: { message: { type: "string" } } } } } }, () => ({ message: "Hello, World!" }));

app.get("/plaintext", (request, reply) => {
  reply.header("content-type", "text/plain").send("Hello, World!");
});

app.get("/db", { schema: { response: { 200: world } } }, () => findWorld(randomId()));

app.get("/queries", { schema: { response: { 200: worlds } } }, (request) => {
  const n = count(request.query.queries);
  const pending = [];
  for (let i = 0; i < n; i++) pending.push(findWorld(randomId()));
  return Promise.all(pending);
});

app.get("/fortunes", async (request, reply) => {
  const { rows } = await pool.query(ALL_FORTUNES);
  rows.push(ADDED_FORTUNE);
  rows.sort(byMessage);
  return reply.view("fortunes.twig", { fortunes: rows });
});

app.get("/updates", { schema: { response: { 200: worlds } } }, async (request) => {
  const n = count(request.query.queries);
  const pending = [];
  for (let i = 0; i < n; i++) pending.push(findWorld(randomId()));
  const found = await Promise.all(pending);
  for (const w of found) w.randomNumber = randomId();
  const { sql, params } = batchUpdate(found);
  await pool.query(sql, params);
  return found;
});

app.get("/cached-queries", { schema: { response: { 200: worlds } } }, async (request) => {
  const n = count(request.query.count);
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
});

await app.listen({ port: settings.port, host: "127.0.0.1" });
announce(app.server.address().port);
exitOn(async () => {
  await app.close();
  await pool.end();
});
