// Fastify 5 as its own public benchmark runs it: logger off, a response schema
// (fast-json-stringify) on the route.
import Fastify from "fastify";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH } from "../lib/payload.mjs";

const app = Fastify({ logger: false });
const schema = { response: { 200: { type: "object", properties: { message: { type: "string" } } } } };
app.get(HELLO_PATH, { schema }, () => HELLO);
await app.listen({ port: 0, host: "127.0.0.1" });
announce(app.server.address().port);
exitOn(() => app.close());
