/**
 * SIGTERM closes an instance's sockets with 1001 — and their `close` handlers still reach the
 * rest of the app: a presence "left" broadcast (sync, fire-and-forget, or after async work)
 * arrives at the clients of another instance sharing Redis/Valkey. Before, the bus closed
 * while the handlers ran, so every such broadcast was silently lost and the other instance
 * kept showing users who had gone.
 */
import { describe, expect, it } from "vitest";
import { serve, type Served } from "../dev/support.js";
import { serviceUrl } from "../support/services.js";
import { useBuiltApp } from "./built-app.js";
import { connect, wsUrl, type Client } from "./support.js";

const PRESENCE_ROUTE = `import { broadcast, type Socket } from "tina4";
type Room = Socket<{ room: string }>;
export function open(socket: Room) {
  socket.join(socket.params.room);
  socket.send("joined");
}
export async function close(socket: Room) {
  if (socket.request.query.slow) await new Promise((resolve) => setTimeout(resolve, 300));
  void broadcast(socket.params.room, { left: socket.id });
}
`;

const app = useBuiltApp({ "src/routes/presence/[room]/ws.ts": PRESENCE_ROUTE });
const { running, clients } = app;

async function open(server: Served, path: string): Promise<Client> {
  const client = await connect(wsUrl(server.url, path));
  clients.push(client);
  expect(await client.next()).toBe("joined");
  return client;
}

for (const name of ["REDIS", "VALKEY"] as const) {
  const url = serviceUrl(name);
  // Skipped only locally when the URL is unset: serviceUrl() throws under TINA4_TEST_SERVICES=required, so CI runs it.
  describe.skipIf(!url)(`SIGTERM with the bus on ${name.toLowerCase()}`, () => {
    it("the close handlers of the sockets it closes (1001) still broadcast to the other instance", async () => {
      const env = { TINA4_PUBSUB_URL: url!, TINA4_PUBSUB_PREFIX: `t4-leave-${name}-${Date.now()}`, TINA4_DRAIN_DELAY: "0" };
      const [a, b] = await Promise.all([serve(app.dir, ["--production", "--workers", "1"], env), serve(app.dir, ["--production", "--workers", "1"], env)]);
      running.push(a, b);
      const watcher = await open(b, "/presence/lobby");
      const leaving = [await open(a, "/presence/lobby"), await open(a, "/presence/lobby"), await open(a, "/presence/lobby?slow=1")];

      a.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      running.splice(running.indexOf(a), 1);
      for (const client of leaving) expect((await client.closed).code).toBe(1001);
      await expect.poll(() => watcher.messages.filter((m) => String(m).startsWith('{"left":')).length, { timeout: 3000 }).toBe(3);
    }, 60_000);
  });
}
