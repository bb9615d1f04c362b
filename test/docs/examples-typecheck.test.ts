/**
 * The TypeScript examples of README.md and docs/*.md that a user pastes into an app compile
 * under the app's own tsconfig (strict): they are written into a scratch app made by
 * `tina4 init` and checked with one `tsc --noEmit` run.
 *
 * Convention (docs/architecture.md, "Examples in the docs"): a ```ts block whose first line is
 * a path comment `// src/….ts` (or `// test/….ts`) is a whole app file; a later line that is
 * such a path comment starts the next file of the same block. Other ```ts blocks are fragments
 * (one call, a few lines of an API) and are not checked.
 *
 * Each document gets its own tree (README and a doc page may both show `src/routes/orders/post.ts`);
 * the models of docs/models.md are in every tree, as the other pages import them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot, runCli, tempDir } from "../support/cli.js";

interface ExampleFile {
  doc: string;
  /** Path inside the app, e.g. src/routes/orders/post.ts. */
  path: string;
  /** 1-based line in `doc` of the file's first line. */
  line: number;
  text: string;
}

const PATH_COMMENT = /^\/\/ ((?:src|test)\/\S+\.ts)(?:\s|$)/;

/** The app files shown in one markdown document. */
function exampleFiles(doc: string, markdown: string): ExampleFile[] {
  const files: ExampleFile[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const indent = fence[1]!.length;
    const body: { text: string; line: number }[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push({ text: lines[i]!.slice(indent), line: i + 1 });
    if (!body.length || !PATH_COMMENT.test(body[0]!.text)) continue;
    for (const row of body) {
      const start = PATH_COMMENT.exec(row.text);
      if (start) files.push({ doc, path: start[1]!, line: row.line, text: "" });
      files[files.length - 1]!.text += `${row.text}\n`;
    }
  }
  return files;
}

const docs = ["README.md", ...readdirSync(join(repoRoot, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const examples = docs.flatMap((doc) => exampleFiles(doc, readFileSync(join(repoRoot, doc), "utf8")));
const shared = examples.filter((file) => file.doc === "docs/models.md" && file.path.startsWith("src/models/"));

const work = tempDir("tina4-doc-examples-");
const app = join(work, "app");
/** tree-relative file → where it came from, to name doc lines in tsc's errors. */
const origin = new Map<string, ExampleFile>();

/** A control file in its own tree: README's old middleware example, which strict mode rejects. */
const CONTROL = "examples/control/src/middleware/timing.ts";

function treeName(doc: string): string {
  return doc.replace(/\.md$/, "").replace(/[/\\]/g, "-");
}

function write(relPath: string, text: string): void {
  const path = join(app, relPath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function runTsc() {
  const tsc = join(app, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.examples.json", "--pretty", "false"], { cwd: app, encoding: "utf8", timeout: 180_000 });
  const output = result.stdout + result.stderr;
  /** Every error as "<doc>:<line>: <message>" (or the tree path for files not from a doc). */
  const errors = output.split("\n").filter((row) => /error TS\d+/.test(row)).map((row) => {
    const at = /^(\S+?)\((\d+),\d+\): (.*)$/.exec(row);
    const from = at ? origin.get(at[1]!) : undefined;
    return from && at ? `${from.doc}:${from.line + Number(at[2]) - 1} (${from.path}): ${at[3]}` : row;
  });
  return { code: result.status, output, errors };
}

beforeAll(() => {
  const init = runCli(["init", app, "--yes"], work);
  expect(init.code, init.stderr).toBe(0);
  // What the app's `npm install` adds (typescript, @types/node, vitest), linked from this repo.
  for (const pkg of ["typescript", "vitest", "@types/node"]) {
    mkdirSync(dirname(join(app, "node_modules", pkg)), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), join(app, "node_modules", pkg), "dir");
  }
  for (const doc of docs) {
    const own = examples.filter((file) => file.doc === doc);
    const paths = new Set(own.map((file) => file.path));
    for (const file of [...own, ...shared.filter((model) => !paths.has(model.path))]) {
      const relPath = `examples/${treeName(doc)}/${file.path}`;
      if (file.doc === doc) expect(origin.has(relPath), `${doc} shows ${file.path} twice`).toBe(false);
      origin.set(relPath, file);
      write(relPath, file.text);
    }
  }
  write(CONTROL, "const timing = async (req, res, next) => { await next(); };\nexport default timing;\n");
  // The app's compiler options as they are; only the files differ.
  write("tsconfig.examples.json", JSON.stringify({ extends: "./tsconfig.json", include: ["examples"] }, null, 2));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("docs examples compile in a generated app", () => {
  it("README and the routing, middleware, validation and auth pages mark their app files", () => {
    const counted = (doc: string) => examples.filter((file) => file.doc === doc && file.path.startsWith("src/")).length;
    expect(counted("README.md")).toBeGreaterThanOrEqual(6);
    expect(counted("docs/http.md")).toBeGreaterThanOrEqual(3);
    expect(counted("docs/validation.md")).toBeGreaterThanOrEqual(2);
    expect(counted("docs/auth.md")).toBeGreaterThanOrEqual(2);
    expect(examples.some((file) => file.doc === "README.md" && file.path.startsWith("src/middleware/")), "README's middleware example is checked").toBe(true);
  });

  it("one tsc --noEmit under the app's tsconfig: no errors but the control's", () => {
    const run = runTsc();
    const control = run.errors.filter((row) => row.startsWith(CONTROL));
    const others = run.errors.filter((row) => !row.startsWith(CONTROL));
    expect(others, run.output).toEqual([]);
    // The control proves the run is strict and reads these files: untyped parameters fail.
    expect(control.join("\n")).toMatch(/TS7006: Parameter 'req' implicitly has an 'any' type/);
    expect(run.code).not.toBe(0);
  }, 180_000);
});
