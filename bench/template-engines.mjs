#!/usr/bin/env node
// The template engine choice (docs/decisions.md): Twig conformance and renders/s of twig.js
// (raw, and through tina4's adapter) and, when given, nunjucks. nunjucks cannot be installed
// in this project (its optional peer chokidar ^3 conflicts with our chokidar 4), so it is
// loaded from another folder: `mkdir /tmp/nunjucks-eval && cd /tmp/nunjucks-eval && npm init -y
// && npm i nunjucks`, then `node bench/template-engines.mjs --nunjucks /tmp/nunjucks-eval`.
// Conformance uses test/templates/conformance-cases.json (Twig's expected output per feature);
// renders/s renders the fortunes page (bench/templates/fortunes.twig) and a page extending a
// layout, per second of CPU time, best of interleaved rounds. Run after a build (tina4's
// adapter comes from dist/).
//
// Options: --nunjucks DIR   --rounds N (5)   --ms N (1000 per round and engine)   --json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pageFortunes, storedFortunes, TEMPLATES_DIR } from "./lib/fortunes.mjs";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const nunjucksDir = flag("--nunjucks", process.env.NUNJUCKS_DIR ?? "");
const rounds = Number(flag("--rounds", "5"));
const roundMs = Number(flag("--ms", "1000"));
const json = args.includes("--json");
const progress = (line) => process.stderr.write(`${line}\n`);

const require = createRequire(import.meta.url);
const cases = JSON.parse(readFileSync(new URL("../test/templates/conformance-cases.json", import.meta.url), "utf8"));
const fortunesSource = readFileSync(join(TEMPLATES_DIR, "fortunes.twig"), "utf8");
const layoutPage = {
  "layout.twig": "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head><body><nav>{% for l in links %}<a href=\"{{ l.href }}\">{{ l.label }}</a>{% endfor %}</nav><main>{% block body %}{% endblock %}</main></body></html>",
  "page.twig": "{% extends \"layout.twig\" %}{% block title %}{{ title }}{% endblock %}{% block body %}<h1>{{ title|upper }}</h1><ul>{% for f in fortunes %}<li class=\"{% if loop.index is even %}even{% else %}odd{% endif %}\">{{ f.message }}</li>{% endfor %}</ul>{% endblock %}",
};
const layoutData = () => ({ title: "Fortunes & more", links: [{ href: "/", label: "Home" }, { href: "/about", label: "About <us>" }], fortunes: pageFortunes(storedFortunes()) });

/** Each engine: how to render named templates from an in-memory map. */
const engines = [];

{
  const Twig = require("twig").factory();
  let T;
  Twig.extend((internals) => (T = internals));
  Twig.cache(false);
  const options = { autoescape: true, rethrow: true, strictVariables: false, allowInlineIncludes: false };
  const compiled = new Map();
  let files = {};
  T.Templates.registerLoader("mem", (location, _params, callback) => {
    const template = compiled.get(location) ?? new T.Template({ data: files[location], id: location, name: location, method: "mem", base: "_", options });
    compiled.set(location, template);
    callback?.(template);
    return template;
  });
  engines.push({
    id: "twig",
    label: `twig.js ${require("twig/package.json").version} (plain)`,
    prepare(templates) {
      files = templates;
      compiled.clear();
      // A template that extends another returns a String object (twig.js Markup): compare text.
      return (name, data) => String(T.Templates.loaders.mem(name, {}).render(data));
    },
  });
}

{
  const { Views } = await import(pathToFileURL(join(import.meta.dirname, "../dist/runtime/templates/views.js")).href);
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const made = [];
  process.on("exit", () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  engines.push({
    id: "tina4",
    label: "tina4 Views (twig.js + sandbox + globals)",
    prepare(templates) {
      const dir = mkdtempSync(join(tmpdir(), "tina4-engines-"));
      made.push(dir);
      for (const [name, source] of Object.entries(templates)) {
        mkdirSync(join(dir, name, ".."), { recursive: true });
        writeFileSync(join(dir, name), source);
      }
      const views = new Views({ dir, publicDir: null, dev: false });
      return (name, data) => views.render(name, data);
    },
  });
}

if (nunjucksDir) {
  const nunjucks = createRequire(join(nunjucksDir, "package.json"))("nunjucks");
  engines.push({
    id: "nunjucks",
    label: `nunjucks ${createRequire(join(nunjucksDir, "package.json"))("nunjucks/package.json").version}`,
    prepare(templates) {
      const loader = { getSource: (name) => (name in templates ? { src: templates[name], path: name, noCache: false } : null) };
      const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
      return (name, data) => env.render(name, data);
    },
  });
}

function conformance(engine) {
  const results = cases.map((c) => {
    try {
      const output = engine.prepare(c.templates)(c.main, structuredClone(c.data));
      return { feature: c.feature, pass: output === c.expected, output: output === c.expected ? undefined : output };
    } catch (error) {
      return { feature: c.feature, pass: false, error: String(error?.message ?? error).split("\n")[0] };
    }
  });
  return { passed: results.filter((r) => r.pass).length, total: results.length, failures: results.filter((r) => !r.pass) };
}

/**
 * Renders per second of this process's CPU time (user + system), not of wall time: on a
 * shared machine other processes take the CPU away at random, which wall time would count.
 */
function rendersPerSecond(render, name, data) {
  for (let i = 0; i < 500; i++) render(name, data());
  let count = 0;
  const cpu = process.cpuUsage();
  const until = performance.now() + roundMs;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) render(name, data());
    count += 50;
  }
  const used = process.cpuUsage(cpu);
  return (count * 1e6) / (used.user + used.system);
}

const report = { cases: cases.length, engines: [] };
for (const engine of engines) report.engines.push({ id: engine.id, label: engine.label, conformance: conformance(engine), fortunes: 0, layout: 0 });
const shapes = [
  ["fortunes", { "fortunes.twig": fortunesSource }, "fortunes.twig", () => ({ fortunes: pageFortunes(storedFortunes()) })],
  ["layout", layoutPage, "page.twig", layoutData],
];
for (const [shape, templates, main, data] of shapes) {
  const renderers = engines.map((engine) => engine.prepare(templates));
  const first = renderers.map((render) => render(main, data()));
  if (new Set(first).size !== 1) progress(`  note: the ${shape} output differs between engines (${engines.map((e, i) => `${e.id}: ${first[i].length} chars`).join(", ")})`);
  for (let round = 1; round <= rounds; round++) {
    engines.forEach((engine, i) => {
      const value = rendersPerSecond(renderers[i], main, data);
      const row = report.engines.find((e) => e.id === engine.id);
      row[shape] = Math.max(row[shape], value);
      progress(`  round ${round}/${rounds} ${shape.padEnd(8)} ${engine.label.padEnd(44)} ${Math.round(value).toLocaleString("en-US").padStart(8)} renders/s`);
    });
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, rounds, roundMs, ...report }, null, 2)}\n`);
} else {
  console.log(`\nTwig conformance (${cases.length} features, test/templates/conformance-cases.json) and renders per CPU-second (best of ${rounds} rounds of ${roundMs} ms, Node ${process.version})\n`);
  console.log("| Engine | conformance | fortunes renders/s | layout page renders/s |");
  console.log("|---|---:|---:|---:|");
  for (const e of report.engines) console.log(`| ${e.label} | ${e.conformance.passed}/${e.conformance.total} | ${Math.round(e.fortunes).toLocaleString("en-US")} | ${Math.round(e.layout).toLocaleString("en-US")} |`);
  for (const e of report.engines) {
    if (e.conformance.failures.length === 0) continue;
    console.log(`\n${e.label} fails:`);
    for (const f of e.conformance.failures) console.log(`  - ${f.feature}: ${f.error ?? `got ${JSON.stringify(f.output)}`}`);
  }
}
