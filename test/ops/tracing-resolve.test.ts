import { afterAll, describe, expect, it } from "vitest";
import { cpSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { App } from "../../runtime/app.js";
import { installTracing } from "../../runtime/ops/tracing.js";
import { makeTempDir } from "./support.js";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const cwd = process.cwd();
afterAll(() => process.chdir(cwd));

describe("loading @opentelemetry/api", () => {
  // A globally installed CLI has no @opentelemetry/api of its own: the app's copy must do.
  it("takes the app's own copy (the one its SDK registers with) before tina4's", () => {
    const app = realpathSync(makeTempDir("tina4-otel-app-"));
    writeFileSync(join(app, "package.json"), '{"name":"traced-app","private":true}\n');
    const copy = join(app, "node_modules", "@opentelemetry", "api");
    cpSync(join(repoRoot, "node_modules", "@opentelemetry", "api"), copy, { recursive: true });
    process.chdir(app);
    const require = createRequire(import.meta.url);
    const loadedFrom = () => Object.keys(require.cache).filter((file) => file.includes(`${join("@opentelemetry", "api")}`));
    expect(loadedFrom().some((file) => file.startsWith(copy))).toBe(false);
    expect(installTracing(new App({ dev: false, publicDir: null, templatesDir: null }), { force: true })).toBe(true);
    expect(loadedFrom().some((file) => file.startsWith(copy))).toBe(true);
  });
});
