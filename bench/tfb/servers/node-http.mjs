// Raw node:http, the reference for /json and /plaintext only (it has no database code):
// writeHead with every header in one call, then end(body).
import { createServer } from "node:http";
import { announce, exitOn } from "../../lib/child.mjs";

const server = createServer((req, res) => {
  if (req.url === "/json") {
    const body = JSON.stringify({ message: "Hello, World!" });
    res.writeHead(200, { server: "node", "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  } else if (req.url === "/plaintext") {
    res.writeHead(200, { server: "node", "content-type": "text/plain", "content-length": 13 });
    res.end("Hello, World!");
  } else {
    res.writeHead(404, { server: "node", "content-length": 0 });
    res.end();
  }
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => announce(server.address().port));
exitOn(() => new Promise((resolve) => server.close(resolve)));
