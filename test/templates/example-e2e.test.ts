/** End to end: `tina4 init --example` → GET / renders pages/index.twig through base.twig, in dev and production. */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, startServe, tempDir } from "../support/cli.js";

describe("init --example serves a template page", () => {
  it("dev and production render / through its layout", async () => {
    const dir = join(tempDir(), "shop");
    const init = runCli(["init", dir, "--yes", "--example"], process.cwd());
    expect(init.code, init.stderr).toBe(0);
    const page = readFileSync(join(dir, "src/templates/pages/index.twig"), "utf8");
    expect(page).toContain('{% extends "base.twig" %}');
    expect(readFileSync(join(dir, "src/templates/base.twig"), "utf8")).toContain("<title>{% block title %}{% endblock %}</title>");

    const dev = await startServe(dir);
    try {
      const res = await fetch(`${dev.url}/`, { headers: { accept: "text/html" } });
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(html).toMatch(/^<!doctype html>/); // the layout…
      expect(html).toContain("<title>shop</title>");
      expect(html).toContain("<h1>shop</h1>"); // …around the page's block
      expect(html).toContain('<a href="/api/products">');
      expect(html).toContain("data-tina4-live"); // dev pages get live reload
      // A template edit shows on the next request, without a worker reload.
      writeFileSync(join(dir, "src/templates/pages/index.twig"), page.replace("<h1>shop</h1>", "<h1>edited</h1>"));
      await expect.poll(async () => (await (await fetch(`${dev.url}/`)).text()).includes("<h1>edited</h1>"), { timeout: 5_000 }).toBe(true);
      expect(dev.output()).not.toMatch(/reloaded \(/);
    } finally {
      dev.child.kill("SIGTERM");
    }
    expect(await dev.exited).toBe(0);

    const prod = await startServe(dir, ["--production", "--workers", "1"]);
    try {
      const html = await (await fetch(`${prod.url}/`)).text();
      expect(html).toContain("<title>shop</title>");
      expect(html).toContain("<h1>edited</h1>");
      expect(html).not.toContain("data-tina4-live");
      expect(JSON.parse(readFileSync(join(dir, "dist/templates.json"), "utf8")).templates).toHaveProperty(["pages/index.twig"]);
    } finally {
      prod.child.kill("SIGTERM");
    }
    expect(await prod.exited).toBe(0);
  });
});
