// Dev reload latency: save a route file → first response with the new code.
// A 50-route app served by `tina4 serve` (dev); each iteration rewrites one route and polls
// it until the new body appears. Usage: node bench/reload.mjs [iterations=30] [routes=50]
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const repo = join(import.meta.dirname, "..");
const bin = join(repo, "bin", "tina4");
const iterations = Number(process.argv[2] ?? 30);
const routeCount = Number(process.argv[3] ?? 50);
const env = { ...process.env, NO_COLOR: "1" };

const dir = join(mkdtempSync(join(tmpdir(), "tina4-bench-reload-")), "app");
if (spawnSync(process.execPath, [bin, "init", dir, "--yes"], { env }).status !== 0) throw new Error("init failed");
const route = (i, version) => `import type { Request } from "tina4";\nexport default (_req: Request) => ({ route: ${i}, version: "${version}" });\n`;
for (let i = 0; i < routeCount; i++) {
  mkdirSync(join(dir, "src", "routes", "bench", `r${i}`), { recursive: true });
  writeFileSync(join(dir, "src", "routes", "bench", `r${i}`, "get.ts"), route(i, "v0"));
}

const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
const url = await new Promise((resolve, reject) => {
  const onData = (chunk) => {
    output += chunk;
    const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) resolve(match[1]);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  child.on("exit", (code) => reject(new Error(`serve exited ${code}\n${output}`)));
});

const samples = [];
try {
  await sleep(1500); // let the warm spare worker start
  for (let n = 1; n <= iterations; n++) {
    const target = n % routeCount;
    const version = `v${n}`;
    const started = performance.now();
    writeFileSync(join(dir, "src", "routes", "bench", `r${target}`, "get.ts"), route(target, version));
    for (;;) {
      const body = await fetch(`${url}/bench/r${target}`).then((res) => res.text(), () => "");
      if (body.includes(`"${version}"`)) break;
      if (performance.now() - started > 10_000) throw new Error(`no reload after 10 s (iteration ${n})\n${output}`);
      await sleep(2);
    }
    samples.push(performance.now() - started);
    await sleep(700); // a developer does not save twice in a second; the spare re-warms
  }
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(join(dir, ".."), { recursive: true, force: true });
}

samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
const result = { routes: routeCount + 2, iterations, p50: +pct(50).toFixed(1), p95: +pct(95).toFixed(1), min: +samples[0].toFixed(1), max: +samples.at(-1).toFixed(1) };
console.log(JSON.stringify(result));
