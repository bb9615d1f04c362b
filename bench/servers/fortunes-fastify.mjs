// Fastify 5 + @fastify/view rendering the fortunes page with the same engine (twig.js) and
// template, autoescaping on (twig.js's own default is off), logger off.
import Fastify from "fastify";
import fastifyView from "@fastify/view";
import twig from "twig";
import { announce, exitOn } from "../lib/child.mjs";
import { FORTUNES_PATH, TEMPLATE, TEMPLATES_DIR, pageFortunes, storedFortunes } from "../lib/fortunes.mjs";

const app = Fastify({ logger: false });
await app.register(fastifyView, { engine: { twig }, root: TEMPLATES_DIR, production: true, options: { settings: { "twig options": { autoescape: true, rethrow: true } } } });
const stored = storedFortunes();
app.get(FORTUNES_PATH, (_req, reply) => reply.view(TEMPLATE, { fortunes: pageFortunes(stored) }));
await app.listen({ port: 0, host: "127.0.0.1" });
announce(app.server.address().port);
exitOn(() => app.close());
