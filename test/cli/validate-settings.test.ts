import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { runCli, tempDir } from "../support/cli.js";

// What `tina4 serve` checks before it starts, beyond the number/boolean/enum forms
// (test/config/settings.test.ts): values that used to start a server that then failed or
// silently did something else (a cache that never connects, a database URL refused at the first query).
describe("tina4 serve / migrate refuse settings of the wrong form before starting", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tempDir(), "app");
    expect(runCli(["init", dir, "--yes"], process.cwd()).code).toBe(0);
    // the tests run migrate:status, which only reads an existing database (it no longer creates one)
    expect(runCli(["migrate"], dir).code).toBe(0);
  }, 120_000);

  it("a URL setting that is not a URL exits 1 naming it, with a password in it masked", () => {
    const result = runCli(["serve", "--production", "--port", "0"], dir, { TINA4_CACHE_BACKEND: "redis", TINA4_CACHE_URL: "redis//:hunter2@127.0.0.1:6379", TINA4_SECRET: "a".repeat(64) });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('TINA4_CACHE_URL must be a URL (scheme://host…), got "redis//:***@127.0.0.1:6379"');
    expect(result.stderr + result.stdout).not.toContain("hunter2");
    expect(result.stdout).not.toContain("production server on");
  });

  it("a database URL the runtime cannot read exits 1 naming the variable, before anything starts", () => {
    const result = runCli(["serve", "--production", "--port", "0"], dir, { TINA4_DATABASE_URL: "postgress://app:pw@db/app", TINA4_SECRET: "a".repeat(64) });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toMatch(/TINA4_DATABASE_URL: Invalid database URL "postgress:\/\/app:\*\*\*@db\/app": unknown engine "postgress"/);
    expect(result.stdout).not.toContain("production server on");
  });

  it("a TINA4_PUBSUB_URL that is not redis/valkey exits 1 naming it (it used to start, then refuse every WebSocket upgrade)", () => {
    const result = runCli(["serve", "--production", "--port", "0"], dir, { TINA4_PUBSUB_URL: "http://bus:s3cret@127.0.0.1:6379", TINA4_SECRET: "a".repeat(64) });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain("TINA4_PUBSUB_URL must start with redis://, rediss://, valkey:// or valkeys://, got http://bus:***@127.0.0.1:6379");
    expect(result.stderr + result.stdout).not.toContain("s3cret");
    expect(result.stdout).not.toContain("production server on");
    const worker = runCli(["worker"], dir, { TINA4_PUBSUB_URL: "nats://127.0.0.1:4222" });
    expect(worker.code, worker.stdout + worker.stderr).toBe(1);
    expect(worker.stderr).toContain("TINA4_PUBSUB_URL must start with redis://");
  });

  it("a bad TINA4_TRUSTED_PROXIES entry is one clear line, not a worker's stack trace; every problem is listed at once", () => {
    const result = runCli(["migrate:status"], dir, { TINA4_TRUSTED_PROXIES: "10.0.0.0/8, 999.1.1.1", TINA4_PORT: "abc" });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('TINA4_TRUSTED_PROXIES: "999.1.1.1" is not an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or "loopback"');
    expect(result.stderr).toContain('TINA4_PORT must be an integer from 0 to 65535, got "abc"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a TINA4_CORS_ORIGINS entry no browser would send as its Origin is a warning naming the form", () => {
    const result = runCli(["migrate:status"], dir, { TINA4_CORS_ORIGINS: "https://ok.example, example.com, https://b.example/" });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain('TINA4_CORS_ORIGINS: "example.com" is not an origin (scheme://host[:port], as browsers send it): it matches no request');
    expect(output).toContain('TINA4_CORS_ORIGINS: "https://b.example/" is not an origin');
    expect(output).not.toContain('"https://ok.example" is not');
  });

  it("valid URLs of every kind pass", () => {
    const result = runCli(["migrate:status"], dir, {
      TINA4_DATABASE_URL: "sqlite:data/app.db",
      TINA4_CACHE_URL: "mongodb://a:1,b:2/db?replicaSet=rs",
      TINA4_QUEUE_URL: "redis://:p%40ss@127.0.0.1:6379/0",
      TINA4_PUBSUB_URL: "valkeys://127.0.0.1:6380",
      TINA4_SESSION_URL: "memcached://127.0.0.1:11211",
      TINA4_TRUSTED_PROXIES: "loopback, 10.0.0.0/8, fd00::/8",
      TINA4_CORS_ORIGINS: "*, http://localhost:5173",
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain("TINA4_");
  });
});
