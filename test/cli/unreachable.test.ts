/**
 * A database or cache server that is not running: `migrate` names the URL it used (password
 * masked) and where that URL came from; `serve` starts anyway and warns once, clearly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServe, tempDir } from "../support/cli.js";
import { closedPort } from "../support/http.js";


let app: string;
let port: number;

beforeAll(async () => {
  app = join(tempDir(), "down");
  expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
  port = await closedPort();
});

describe("tina4 migrate against a server that is not running", () => {
  it("names the masked URL and the .env file it came from", () => {
    writeFileSync(join(app, ".env.local"), `TINA4_DATABASE_URL=postgres://app:s3cret@127.0.0.1:${port}/shop\n`);
    try {
      const result = runCli(["migrate"], app);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Cannot open the database postgres://app:***@127.0.0.1:${port}/shop (TINA4_DATABASE_URL in .env.local)`);
      expect(result.stderr).toContain("ECONNREFUSED");
      expect(result.stderr).toContain("Is the server running");
      expect(result.stderr).not.toContain("s3cret");
    } finally {
      writeFileSync(join(app, ".env.local"), "");
    }
  });

  it("says when the URL came from the environment", () => {
    const result = runCli(["migrate:status"], app, { TINA4_DATABASE_URL: `pgsql://app:s3cret@127.0.0.1:${port}/shop` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`pgsql://app:***@127.0.0.1:${port}/shop (TINA4_DATABASE_URL from the environment)`);
    expect(result.stderr).not.toContain("s3cret");
  });
});

describe("tina4 serve with its database and cache down", () => {
  it("serves, and warns once for each server with the masked URL and its source", async () => {
    writeFileSync(join(app, ".env.local"), `TINA4_CACHE_BACKEND=redis\nTINA4_CACHE_URL=redis://:hunter2@127.0.0.1:${port}\n`);
    const served = await startServe(app, [], { TINA4_DATABASE_URL: `mysql://root:s3cret@127.0.0.1:${port}/shop` });
    try {
      expect((await fetch(`${served.url}/api/hello`)).status).toBe(200);
      const deadline = Date.now() + 5000;
      while (!served.output().includes("redis cache") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const output = served.output();
      const database = `The database at mysql://root:***@127.0.0.1:${port}/shop (TINA4_DATABASE_URL from the environment) cannot be reached: ECONNREFUSED`;
      const cache = `The redis cache at redis://:***@127.0.0.1:${port} (TINA4_CACHE_URL in .env.local) cannot be reached: ECONNREFUSED`;
      expect(output).toContain(database);
      expect(output).toContain(cache);
      expect(output.split(database)).toHaveLength(2); // once
      expect(output).not.toContain("s3cret");
      expect(output).not.toContain("hunter2");
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
      writeFileSync(join(app, ".env.local"), "");
    }
  });

  it("warns for a database cache at its own URL that is down, like a Redis one", async () => {
    writeFileSync(join(app, ".env.local"), `TINA4_CACHE_BACKEND=database\nTINA4_CACHE_URL=postgres://cache:hunter2@127.0.0.1:${port}/cache\n`);
    const served = await startServe(app);
    try {
      expect((await fetch(`${served.url}/api/hello`)).status).toBe(200);
      const deadline = Date.now() + 5000;
      while (!served.output().includes("database cache") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const output = served.output();
      const cache = `The database cache at postgres://cache:***@127.0.0.1:${port}/cache (TINA4_CACHE_URL in .env.local) cannot be reached: ECONNREFUSED`;
      expect(output).toContain(cache);
      expect(output.split(cache)).toHaveLength(2); // once
      expect(output).not.toContain("hunter2");
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
      writeFileSync(join(app, ".env.local"), "");
    }
  });

  it("says nothing about servers on the default SQLite + memory setup", async () => {
    const served = await startServe(app);
    try {
      expect((await fetch(`${served.url}/api/hello`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect(served.output()).not.toContain("cannot be reached");
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });
});
