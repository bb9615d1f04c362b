// Builds dist/: esbuild transpiles every runtime/ and cli/ TypeScript file one to one
// (no bundling, so the runtime stays a single module instance shared by the CLI and apps),
// then tsc emits the runtime's declaration files that editors use to type-check apps.
import { build } from "esbuild";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();

function sources(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(join(root, rel));
  }
  return out;
}

rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  entryPoints: [...sources("runtime"), ...sources("cli")],
  outdir: join(root, "dist"),
  outbase: root,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});

// Workers start from one bundle of the worker entry and the whole runtime: loading one file
// instead of ~100 modules cuts a worker's start by about 100 ms. Inside a worker the runtime
// exists once (the app bundle reaches it through a global), so bundling cannot split it.
await build({
  entryPoints: [join(root, "cli", "cluster", "worker.ts")],
  outfile: join(root, "dist", "cli", "cluster", "worker.bundle.js"),
  bundle: true,
  packages: "external",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const types = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (types.status !== 0) {
  console.error("tina4 build: declaration emit failed");
  process.exit(types.status ?? 1);
}
console.log(`tina4 build: dist/ ready in ${Date.now() - started} ms`);
