import { afterEach, describe, expect, it } from "vitest";
import { get, makeApp, serve, until, writeFile, type Served } from "./support.js";

const good = 'export default () => ({ ok: true });\n';
const broken = "export default () => { return (\n";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** Issue 12 item 3: liveness stays 200 while the app is broken; readiness says it cannot serve. */
describe("tina4 serve (dev): /__health and /__ready while the app is broken", () => {
  it("answers /__health 200 and /__ready 503 naming the app while a save breaks it, and 200 once fixed", async () => {
    const dir = makeApp({ "src/routes/thing/get.ts": good });
    served = await serve(dir);
    expect((await get(`${served.url}/__ready`)).status).toBe(200);

    writeFile(dir, "src/routes/thing/get.ts", broken);
    await until(`${served.url}/thing`, (reply) => reply.status === 500);
    const health = await get(`${served.url}/__health`, { headers: { accept: "text/html" } });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    const ready = await get(`${served.url}/__ready`);
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.body) as { status: string; checks: Record<string, string>; reasons: Record<string, string> };
    expect(body.status).toBe("unavailable");
    expect(body.checks).toMatchObject({ server: "ok", app: "unavailable" });
    expect(body.reasons.app).toContain("the app failed to load");

    writeFile(dir, "src/routes/thing/get.ts", good);
    await until(`${served.url}/thing`, (reply) => reply.status === 200);
    const fixed = await get(`${served.url}/__ready`);
    expect(fixed.status).toBe(200);
    expect(JSON.parse(fixed.body)).toEqual({ status: "ok", checks: { server: "ok", app: "ok", database: "ok" } }); // .env names SQLite
  });

  it("does the same when the app is broken from the start", async () => {
    const dir = makeApp({ "src/routes/thing/get.ts": broken });
    served = await serve(dir);
    expect((await get(`${served.url}/thing`)).status).toBe(500);
    expect((await get(`${served.url}/__health`)).status).toBe(200);
    expect((await get(`${served.url}/__ready?probe=1`)).status).toBe(503);
  });
});
