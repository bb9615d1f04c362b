// tina4 answering POST /api/orders, with the 10-field zod body schema or without validation.
// Usage: node tina4-validation.mjs <zod|none>
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";
import { ORDER_PATH, receipt, zodOrder } from "../lib/order.mjs";

// What is measured is validation, as on Fastify: the route is public (tina4 secures write
// routes by default, SPEC §10).
process.env.TINA4_SECURE_WRITES = "false";

const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen, z } = await import(runtime);

const mode = process.argv[2] ?? "zod";
if (!["zod", "none"].includes(mode)) {
  console.error(`tina4-validation bench server: unknown mode ${mode}`);
  process.exit(2);
}
const app = new App({ publicDir: null, dev: false });
const handler = (req) => receipt(req.body);
if (mode === "zod") app.post(ORDER_PATH, handler, { schema: { body: zodOrder(z) } });
else app.post(ORDER_PATH, handler);
const server = await listen(app, { port: 0, host: "127.0.0.1" });
announce(server.port, { mode });
exitOn(() => server.close());
