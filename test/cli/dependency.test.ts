/** How a new app's package.json names tina4 (SPEC §1), so npm install / npm ci in the app keep it. */
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tina4Dependency } from "../../cli/dependency.js";
import { repoRoot, runCli, tempDir } from "../support/cli.js";

function fakePackage(published: boolean): string {
  const root = join(tempDir(), "tina4");
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "tina4", version: "1.4.2" }));
  if (published) writeFileSync(join(root, "dist", "published.json"), JSON.stringify({ version: "1.4.2" }));
  return root;
}

describe("tina4Dependency", () => {
  it("a CLI that is not the published package: file: to its own folder", () => {
    const root = fakePackage(false);
    expect(tina4Dependency(join(tempDir(), "app"), root)).toBe(`file:${root}`);
  });

  it("an app inside the CLI's folder (the demo): a relative file: path", () => {
    const root = fakePackage(false);
    expect(tina4Dependency(join(root, "demo"), root)).toBe("file:..");
    expect(tina4Dependency(join(root, "apps", "shop"), root)).toBe("file:../..");
  });

  it("the published package (built by npm publish): the registry range of its version", () => {
    expect(tina4Dependency(join(tempDir(), "app"), fakePackage(true))).toBe("^1.4.2");
  });

  it("tina4 init from this checkout writes file: pointing at it", () => {
    const app = join(tempDir(), "dep");
    expect(runCli(["init", app, "--yes"], process.cwd()).code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.tina4).toBe(`file:${repoRoot}`);
  });
});
