// Builds dist/: esbuild transpiles every runtime/ and cli/ TypeScript file one to one
// (no bundling, so the runtime stays a single module instance shared by the CLI and apps),
// then tsc emits the runtime's declaration files that editors use to type-check apps.
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
// Two formats: an ES module (dev: source maps) and a script that production runs with a V8
// code cache (cli/cluster/worker-loader.ts, itself built to worker-loader.cjs).
const cluster = join(root, "dist", "cli", "cluster");
const workerBundle = { entryPoints: [join(root, "cli", "cluster", "worker.ts")], bundle: true, packages: "external", platform: "node", target: "node20", logLevel: "warning" };
await build({ ...workerBundle, outfile: join(cluster, "worker.bundle.js"), format: "esm", sourcemap: "linked" });
// The script also holds busboy (and its one dependency): inside it, it costs nothing to load
// from the code cache, while require() from node_modules costs a few ms per worker start.
// (The module bundle cannot: esbuild's ES module output has no require() for its built-ins.)
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }).filter((name) => name !== "busboy");
// runtime/package-require.ts reads `import.meta.url` only where `__filename` is missing (ES modules).
const script = await build({ ...workerBundle, packages: undefined, external, format: "cjs", write: false, outfile: join(cluster, "worker.bundle.cjs"), logOverride: { "empty-import-meta": "silent" } });
writeFileSync(join(cluster, "worker.bundle.cjs"), routeDynamicImports(script.outputFiles[0].text));
await build({ entryPoints: [join(root, "cli", "cluster", "worker-loader.ts")], outfile: join(cluster, "worker-loader.cjs"), bundle: true, packages: "external", format: "cjs", platform: "node", target: "node20", logLevel: "warning" });

/**
 * A script run through node:vm cannot use `import()` (Node 20 needs a flag for it), so each
 * `import(x)` call becomes `__tina4_import(x)`, which the loader supplies. Found with the
 * TypeScript parser, so text that merely looks like a call (in a string, say) is left alone.
 */
function routeDynamicImports(code) {
  const ts = createRequire(import.meta.url)("typescript");
  const file = ts.createSourceFile("worker.bundle.cjs", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const starts = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = code;
  for (const start of starts.sort((a, b) => b - a)) out = out.slice(0, start) + "__tina4_import" + out.slice(start + "import".length);
  return out;
}

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const types = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (types.status !== 0) {
  console.error("tina4 build: declaration emit failed");
  process.exit(types.status ?? 1);
}
// Built by `npm publish`: mark the package as the registry's, so `tina4 init` writes a version
// range for tina4 into new apps instead of a file: path to this copy (cli/dependency.ts).
if (process.env.npm_command === "publish") writeFileSync(join(root, "dist", "published.json"), JSON.stringify({ version: pkg.version }) + "\n");
console.log(`tina4 build: dist/ ready in ${Date.now() - started} ms`);
