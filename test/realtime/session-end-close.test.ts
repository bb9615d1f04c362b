/**
 * A WebSocket that a session's user opened closes when that session ends — a logout
 * (`destroy()`), or `regenerate()` of its id — with 4401 "Session ended", in whichever process
 * it lives (the end travels on the pub/sub bus; across two instances: test/ops/two-instances).
 * Before, it stayed open and in its rooms with the logged-out user as `socket.user`. A socket of
 * another session of the same user, and one opened with a token, stay open. Real HTTP and
 * WebSocket clients, a new connection per request.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { broadcast, session, signToken, type Request } from "../../runtime/index.js";
import { freshRequest } from "../support/fresh-request.js";
import { wsFixture, wsUrl } from "./support.js";

const { serve, open, cleanup } = wsFixture();
beforeAll(() => {
  process.env.TINA4_SECRET = "session-end-close-secret-0123456789abcdef";
});
afterEach(cleanup);

/** The close code and reason, or a failure after 5 s (the socket stayed open). */
async function closedSoon(client: { closed: Promise<{ code: number; reason: string }> }): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the socket is still open after 5 s")), 5000)));
  try {
    return await Promise.race([client.closed, open]);
  } finally {
    clearTimeout(timer);
  }
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("WebSockets authenticated by a session", () => {
  it("close with 4401 when that session logs out or is regenerated; other sessions' and token sockets stay", async () => {
    const server = await serve((app) => {
      app.use(session({ backend: "memory" }));
      app.post("/login", async (req: Request) => {
        await req.session.regenerate();
        req.session.set("user", { sub: (req.body as { sub: string }).sub });
        return { ok: true };
      }, { secured: false });
      app.post("/logout", async (req: Request) => {
        await req.session.destroy();
        return { ok: true };
      });
      app.websocket("/live", { open: (socket) => void socket.join("news").send("hello") }, { secured: true });
    });
    const login = async (headers: Record<string, string> = {}) => {
      const res = await freshRequest(`${server.url}/login`, json({ sub: "u1" }, headers));
      expect(res.status).toBe(200);
      return res.setCookies.find((c) => c.startsWith("tina4_session="))!.split(";")[0]!;
    };
    const csrf = async (cookie: string) => (await freshRequest(`${server.url}/__csrf`, { headers: { cookie } })).json<{ token: string }>().token;

    const laptop = await login();
    const phone = await login();
    const viaLaptop = await open(wsUrl(server.url, "/live"), { headers: { cookie: laptop } });
    const viaPhone = await open(wsUrl(server.url, "/live"), { headers: { cookie: phone } });
    const viaToken = await open(wsUrl(server.url, "/live"), { headers: { authorization: `Bearer ${await signToken({ sub: "u1" })}` } });
    for (const client of [viaLaptop, viaPhone, viaToken]) expect(await client.next()).toBe("hello");

    expect((await freshRequest(`${server.url}/logout`, json({}, { cookie: laptop, "x-csrf-token": await csrf(laptop) }))).status).toBe(200);
    expect(await closedSoon(viaLaptop)).toEqual({ code: 4401, reason: "Session ended" });
    await broadcast("news", "still here");
    expect(await viaPhone.next()).toBe("still here");
    expect(await viaToken.next()).toBe("still here");

    // a new login on the phone's session regenerates its id: the socket of the old id closes
    await login({ cookie: phone, "x-csrf-token": await csrf(phone) });
    expect(await closedSoon(viaPhone)).toEqual({ code: 4401, reason: "Session ended" });
    await broadcast("news", "token only");
    expect(await viaToken.next()).toBe("token only");
    expect(viaToken.ws.readyState).toBe(viaToken.ws.OPEN);
  });
});
