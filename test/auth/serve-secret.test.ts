/**
 * TINA4_SECRET through the CLI: `init` writes a random one into .env (a placeholder-free
 * .env.example), `serve --production` refuses to start without one, dev warns and runs, and
 * the secret never appears in the server's output or in error pages.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServe, tempDir } from "../support/cli.js";

let app: string;
let secret: string;

beforeAll(() => {
  app = join(tempDir(), "secret-app");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  secret = /^TINA4_SECRET=([0-9a-f]+)$/m.exec(readFileSync(join(app, ".env"), "utf8"))?.[1] ?? "";
  mkdirSync(join(app, "src", "routes", "boom"), { recursive: true });
  writeFileSync(join(app, "src", "routes", "boom", "get.ts"), 'export default () => { throw new Error("kaboom"); };\n');
});

describe("TINA4_SECRET from the CLI", () => {
  it("init writes a fresh 64-hex-character secret into .env and none into .env.example", () => {
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const other = join(tempDir(), "other-app");
    expect(runCli(["init", other, "--yes"], process.cwd()).code).toBe(0);
    expect(readFileSync(join(other, ".env"), "utf8")).not.toContain(secret);
    expect(readFileSync(join(app, ".env.example"), "utf8")).toMatch(/^TINA4_SECRET=$/m);
  });

  it("serve --production without a secret: exit 1 and a clear message; with a short one: exit 1 too", () => {
    const env = { TINA4_SECRET: "" };
    writeFileSync(join(app, ".env.local"), "TINA4_SECRET=\n");
    try {
      const missing = runCli(["serve", "--production", "--port", "0", "--workers", "1"], app, env);
      expect(missing.code).toBe(1);
      expect(missing.stderr + missing.stdout).toMatch(/TINA4_SECRET is not set.*Production refuses to start/s);
      const short = runCli(["serve", "--production", "--port", "0", "--workers", "1"], app, { TINA4_SECRET: "too-short" });
      expect(short.code).toBe(1);
      expect(short.stderr + short.stdout).toMatch(/TINA4_SECRET is too short/);
      expect(short.stderr + short.stdout).not.toContain("too-short");
    } finally {
      writeFileSync(join(app, ".env.local"), "");
    }
  });

  it("dev without a secret warns and serves; tokens and cookies still work within the run", async () => {
    writeFileSync(join(app, ".env.local"), "TINA4_SECRET=\n");
    try {
      const served = await startServe(app, [], { TINA4_SESSION: "true" });
      try {
        const res = await fetch(`${served.url}/__csrf`);
        expect(res.status).toBe(200);
        expect(res.headers.getSetCookie().join()).toMatch(/tina4_session=/);
        expect(served.output()).toMatch(/TINA4_SECRET is not set.*random secret/s);
      } finally {
        served.child.kill("SIGTERM");
        await served.exited;
      }
    } finally {
      writeFileSync(join(app, ".env.local"), "");
    }
  });

  it("the secret never appears in output or error pages (dev 500 page, bad tokens, forged cookies)", async () => {
    const served = await startServe(app, [], { TINA4_SESSION: "true" });
    const bodies: string[] = [];
    try {
      const requests: Array<[string, RequestInit]> = [
        ["/boom", {}],
        ["/boom", { headers: { accept: "text/html" } }],
        ["/__csrf", { headers: { cookie: "tina4_session=" + "A".repeat(43) + "." + "B".repeat(43) } }],
        ["/api/hello", { method: "POST", headers: { authorization: "Bearer a.b.c" } }],
        ["/api/hello", { method: "DELETE", headers: { authorization: `Bearer ${secret}` } }],
      ];
      for (const [path, init] of requests) {
        const res = await fetch(served.url + path, init);
        expect(res.status).toBeLessThan(600);
        bodies.push(await res.text());
      }
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
    expect(bodies[0]).toContain("kaboom"); // the dev error page is there, with details...
    for (const body of bodies) expect(body).not.toContain(secret); // ...but never the secret
    expect(served.output()).not.toContain(secret);
  });
});
