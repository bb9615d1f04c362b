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
        if (isFile(candidate)) return inheritReload({ url: pathToFileURL(candidate).href, shortCircuit: true }, specifier, parent);
      }
    } else if (tsExtension.test(target)) {
      return inheritReload({ url: pathToFileURL(target).href, format: "module", shortCircuit: true }, specifier, parent);
    }
    return inheritReload(await nextResolve(specifier, context), specifier, parent);
  }
  return nextResolve(specifier, context);
}

/** The query `tina4 console`'s `.reload` imports the models with (`?tina4-reload=N`). */
const RELOAD = /[?&](tina4-reload=\d+)/;

/**
 * A file imported with the reload query keeps it, and so does every relative import below it,
 * so `.reload` reads the models and every app file they import afresh (import() keeps one
 * instance per URL). Packages and the runtime itself stay shared.
 */
function inheritReload(result: ResolveResult, specifier: string, parent: string): ResolveResult {
  const tag = RELOAD.exec(specifier)?.[1] ?? RELOAD.exec(parent)?.[1];
  if (tag === undefined || !result.url.startsWith("file:") || result.url.includes("/node_modules/") || result.url === runtimeUrl || result.url.includes("?")) return result;
  return { ...result, url: `${result.url}?${tag}` };
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

