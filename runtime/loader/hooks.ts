/**
 * Node module customization hooks (run on the loader thread) that let an app run from
 * TypeScript sources with no install step:
 *  - `tina4` resolves to the runtime of the CLI that is running, so the app and the CLI
 *    share one module instance (one route table) and the app needs no node_modules;
 *  - bundler-style relative imports (`./db`, `./db.js` for `db.ts`, folders with index.ts);
 *  - `.ts`/`.tsx`/`.mts` files are transpiled with esbuild (types are stripped, not checked).
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "esbuild";

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format: string;
  source?: string | Buffer;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context?: { format?: string | null }) => Promise<LoadResult>;

let runtimeUrl = "";

export function initialize(data: { runtimeUrl: string }): void {
  runtimeUrl = data.runtimeUrl;
}

const tsExtension = /\.(?:ts|tsx|mts|cts)$/;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function candidates(path: string): string[] {
  const out: string[] = [];
  const jsMatch = /\.(m?js|jsx)$/.exec(path);
  if (jsMatch) {
    const stem = path.slice(0, -jsMatch[0].length);
    out.push(stem + (jsMatch[1] === "mjs" ? ".mts" : jsMatch[1] === "jsx" ? ".tsx" : ".ts"));
    if (jsMatch[1] === "js") out.push(stem + ".tsx");
  } else if (!tsExtension.test(path)) {
    out.push(path + ".ts", path + ".tsx", path + ".mts", path + ".js", path + "/index.ts", path + "/index.tsx", path + "/index.js");
  }
  return out;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === "tina4" && runtimeUrl) return { url: runtimeUrl, shortCircuit: true };
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:");
  const parent = context.parentURL;
  if (relative && parent?.startsWith("file:") && !parent.includes("/node_modules/")) {
    const target = fileURLToPath(new URL(specifier, parent));
    if (!isFile(target)) {
      for (const candidate of candidates(target)) {
        if (isFile(candidate)) return { url: pathToFileURL(candidate).href, shortCircuit: true };
      }
    } else if (tsExtension.test(target)) {
      return { url: pathToFileURL(target).href, format: "module", shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url: string, context: { format?: string | null }, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith("file:") || !tsExtension.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const code = await readFile(path, "utf8");
  const result = await transform(code, {
    loader: path.endsWith("x") ? "tsx" : "ts",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    sourcefile: path,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, experimentalDecorators: true } },
  });
  return { format: "module", source: result.code, shortCircuit: true };
}

