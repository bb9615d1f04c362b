// Bare `ws` on node:http: the baseline for bench/realtime.mjs. /ws/member sockets echo and are
// broadcast targets; a text message starting with "b" from any socket is sent to every member
// (the way ws's README broadcasts: one send per client).
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { announce, exitOn } from "../lib/child.mjs";

const server = createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 1024 * 1024 });
const members = new Set();
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (req.url === "/ws/member") {
      members.add(ws);
      ws.on("close", () => members.delete(ws));
    }
    ws.on("message", (data, isBinary) => {
      if (!isBinary && data[0] === 0x62 /* b */) {
        const text = data.toString();
        for (const member of members) member.send(text);
      } else {
        ws.send(isBinary ? data : data.toString());
      }
    });
    ws.on("error", () => undefined);
  });
});
server.listen(0, "127.0.0.1", () => announce(server.address().port, { ws: "bare" }));
exitOn(() => new Promise((resolve) => server.close(resolve)));
