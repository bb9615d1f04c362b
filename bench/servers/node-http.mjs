// Raw node:http: the reference every framework is measured against. A fair minimal
// handler: serialise per request, send content-type and an exact content-length (without
// it writeHead() would force chunked encoding, a handicap no framework here pays).
import { createServer } from "node:http";
import { announce, exitOn } from "../lib/child.mjs";
import { HELLO } from "../lib/payload.mjs";

const server = createServer((req, res) => {
  const body = JSON.stringify(HELLO);
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => announce(server.address().port));
exitOn(() => server.close());
