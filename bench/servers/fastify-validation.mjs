// Fastify 5 answering POST /api/orders, with the JSON Schema body validation (ajv, Fastify's
// defaults: unknown keys removed) or without. Usage: node fastify-validation.mjs <schema|none>
import Fastify from "fastify";
import { announce, exitOn } from "../lib/child.mjs";
import { ORDER_JSON_SCHEMA, ORDER_PATH, receipt } from "../lib/order.mjs";

const mode = process.argv[2] ?? "schema";
if (!["schema", "none"].includes(mode)) {
  console.error(`fastify-validation bench server: unknown mode ${mode}`);
  process.exit(2);
}
const app = Fastify({ logger: false });
const options = mode === "schema" ? { schema: { body: ORDER_JSON_SCHEMA } } : {};
app.post(ORDER_PATH, options, (req) => receipt(req.body));
await app.listen({ port: 0, host: "127.0.0.1" });
announce(app.server.address().port, { mode });
exitOn(() => app.close());
