#!/usr/bin/env node
// Writes the settings tables of docs/configuration.md from runtime/config/settings.ts
// (between the settings:begin/end markers; the prose around them is kept).
// `--check` exits 1 when the doc is stale instead of writing it.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = await build({ entryPoints: [join(root, "runtime/config/settings-doc.ts")], bundle: true, format: "esm", platform: "node", write: false });
const { withSettingsTables } = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString("base64")}`);
const file = join(root, "docs/configuration.md");
const current = readFileSync(file, "utf8");
const next = withSettingsTables(current);
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("docs/configuration.md is stale: run node scripts/gen-config-doc.mjs");
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(file, next);
  console.log("docs/configuration.md: settings tables updated");
} else console.log("docs/configuration.md: up to date");
