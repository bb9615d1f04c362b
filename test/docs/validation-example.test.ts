/**
 * The validation examples a newcomer tries first, run as written: docs/validation.md's worked
 * example (its route file, then its two `curl` lines, whose answers must be the ones the page
 * prints) and the README's `POST /orders` ("Invalid input → 422 ..."). Both are anonymous
 * requests to a POST route, which tina4 secures by default: the examples must say how they
 * are opened, or the reader gets 401 where the page promises 422.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot, runCli, startServe, tempDir } from "../support/cli.js";

/** The ```ts block of `doc` that is the app file `path` (first line `// path`). */
function exampleFile(doc: string, path: string): string {
  const markdown = readFileSync(join(repoRoot, doc), "utf8");
  for (const block of markdown.split("```ts\n").slice(1)) {
    const text = block.split("```")[0]!;
    if (text.startsWith(`// ${path}`)) return text;
  }
  throw new Error(`${doc} shows no ${path}`);
}

interface CurlExample {
  path: string;
  body: string;
  /** What the page prints as the answer (JSON, "…" for values that vary). */
  answer: string;
}

/** The `$ curl` lines of the first ```sh block after the worked example, with the answers printed under them. */
function curlExamples(doc: string): CurlExample[] {
  const markdown = readFileSync(join(repoRoot, doc), "utf8");
  const block = markdown.split("## A worked example")[1]!.split("```sh\n")[1]!.split("```")[0]!;
  return block.split(/^\$ /m).slice(1).map((entry) => {
    const lines = entry.split("\n");
    let command = "";
    let i = 0;
    for (; i < lines.length; i++) {
      command += lines[i]!.replace(/\\$/, "");
      if (!lines[i]!.endsWith("\\")) break;
    }
    const url = /curl -s '?([^' ]+)'?/.exec(command)![1]!;
    const body = /-d '([^']*)'/.exec(command)![1]!;
    return { path: url.replace(/^[\d.]+:\d+/, ""), body, answer: lines.slice(i + 1).join("\n").trim() };
  });
}

const work = tempDir("tina4-validation-example-");
const servers: ChildProcess[] = [];

async function serveWith(name: string, doc: string): Promise<string> {
  const app = join(work, name);
  const init = runCli(["init", app, "--yes"], work);
  expect(init.code, init.stdout + init.stderr).toBe(0);
  const file = join(app, "src/routes/orders/post.ts");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, exampleFile(doc, "src/routes/orders/post.ts"));
  const served = await startServe(app);
  servers.push(served.child);
  return served.url;
}

afterAll(() => {
  for (const child of servers) child.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

describe("docs/validation.md, the worked example", () => {
  it("answers its two curl lines as the page prints them (422 listing the field, then the dry run)", async () => {
    const url = await serveWith("validation-doc", "docs/validation.md");
    const examples = curlExamples("docs/validation.md");
    expect(examples).toHaveLength(2);
    for (const example of examples) {
      const res = await fetch(url + example.path, { method: "POST", headers: { "content-type": "application/json" }, body: example.body });
      const printed = JSON.parse(example.answer.replace(/"…"/g, "null")) as Record<string, unknown>;
      const got = (await res.json()) as Record<string, unknown>;
      if ("errors" in printed) {
        expect(res.status, JSON.stringify(got)).toBe(422);
        expect(got).toMatchObject({ error: printed.error, code: printed.code, errors: printed.errors });
      } else {
        expect(res.status, JSON.stringify(got)).toBe(200);
        expect(got).toEqual(printed);
      }
    }
  }, 60_000);
});

describe("README, Validation and OpenAPI", () => {
  it("answers invalid input with the 422 it describes", async () => {
    const url = await serveWith("readme", "README.md");
    const res = await fetch(`${url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: "A-1", qty: 0 }) });
    const got = (await res.json()) as { errors?: { in: string; path: string }[] };
    expect(res.status, JSON.stringify(got)).toBe(422);
    expect(got.errors).toEqual([expect.objectContaining({ in: "body", path: "qty" })]);
    const ok = await fetch(`${url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: "A-1", qty: 2 }) });
    expect([ok.status, await ok.json()]).toEqual([200, { ordered: 2 }]);
  }, 60_000);
});
