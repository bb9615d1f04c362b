import { afterEach, describe, expect, it } from "vitest";
import { get, makeApp, serve, type Served } from "./support.js";
import { connect, refusal } from "../realtime/support.js";

// SPEC §14: TINA4_LOG_FORMAT and TINA4_LOG_LEVEL apply to the request line in dev too (the
// default there stays the readable line; --quiet still turns it off).
let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

describe("tina4 serve (dev): the request line follows TINA4_LOG_FORMAT and TINA4_LOG_LEVEL", () => {
  it("TINA4_LOG_FORMAT=json prints production's JSON line instead of the readable one", async () => {
    served = await serve(makeApp(), [], { TINA4_LOG_FORMAT: "json" });
    await served.waitFor(/Ctrl-C to stop/);
    const from = served.output().length;
    const hello = await get(`${served.url}/api/hello?name=ann`);
    const [line] = await served.waitFor(/^\{"level":30.*"route":"\/api\/hello".*$/m, 5_000, from);
    expect(JSON.parse(line!)).toMatchObject({ level: 30, pid: expect.any(Number), reqId: hello.headers["x-request-id"], method: "GET", route: "/api/hello", status: 200, ms: expect.any(Number) });
    expect(served.output().slice(from)).not.toMatch(/^\d\d:\d\d:\d\d GET \/api\/hello/m);
  });

  it("a WebSocket upgrade gets its readable line too: 101 when accepted, the status when refused", async () => {
    served = await serve(makeApp({ "src/routes/chat/[room]/ws.ts": 'export function open(socket: { send(d: string): void }) { socket.send("hi"); }\n' }));
    await served.waitFor(/Ctrl-C to stop/);
    const from = served.output().length;
    const ws = served.url.replace(/^http/, "ws");
    const client = await connect(`${ws}/chat/lobby`);
    expect(await client.next()).toBe("hi");
    client.ws.close();
    expect((await refusal(`${ws}/chat/lobby`, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    await served.waitFor(/^\d\d:\d\d:\d\d GET \/chat\/lobby 101 /m, 5_000, from);
    await served.waitFor(/^\d\d:\d\d:\d\d GET \/chat\/lobby 403 /m, 5_000, from);
  });

  it("TINA4_LOG_LEVEL=warn prints no request line, and the banner says so", async () => {
    served = await serve(makeApp(), [], { TINA4_LOG_LEVEL: "warn" });
    await served.waitFor(/request log off \(TINA4_LOG_LEVEL=warn\)/);
    const from = served.output().length;
    for (let i = 0; i < 3; i++) expect((await get(`${served.url}/api/hello`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(served.output().slice(from)).not.toMatch(/api\/hello/);
  });
});
