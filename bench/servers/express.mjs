// Express 5 as the public Fastify comparison runs it: etag and x-powered-by disabled.
import express from "express";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO, HELLO_PATH } from "../lib/payload.mjs";

const app = express();
app.disable("etag");
app.disable("x-powered-by");
app.get(HELLO_PATH, (req, res) => {
  res.json(HELLO);
});
const server = app.listen(0, "127.0.0.1", () => announce(server.address().port));
exitOn(() => server.close());
