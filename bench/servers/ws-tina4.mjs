// tina4's WebSocket route for bench/realtime.mjs (built dist/): the same behaviour as
// ws-bare.mjs — members join the room "all" and echo; a text message starting with "b" is
// broadcast to the room (through the in-process bus, as in a single-process app).
import { pathToFileURL } from "node:url";
import { announce, exitOn } from "../lib/child.mjs";

const runtime = process.env.TINA4_BENCH_RUNTIME ? pathToFileURL(process.env.TINA4_BENCH_RUNTIME).href : "../../dist/runtime/index.js";
const { App, listen, broadcast } = await import(runtime);

const app = new App({ publicDir: null, dev: false });
app.websocket("/ws/{role}", {
  open: (socket) => {
    if (socket.params.role === "member") socket.join("all");
  },
  message: (socket, data, isBinary) => {
    if (!isBinary && data[0] === "b") void broadcast("all", data);
    else socket.send(data);
  },
});
const server = await listen(app, { port: 0, host: "127.0.0.1" });
announce(server.port, { ws: "tina4" });
exitOn(() => server.close());
