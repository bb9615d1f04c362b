/**
 * Load errors (app code that does not build or load) as file, line, column, message and a
 * code frame: made by the worker and the bundler, printed by the dev and production
 * supervisors and `tina4 build`, shown by the dev error page.
 */
import { readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import type { LoadError } from "./cluster/protocol.js";

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

const FRAME = /(?:\(|at |^)((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)\)?/gm;

/**
 * Turns whatever an app import threw into file, line, column and message. Handles esbuild
 * transform failures (syntax errors), errors thrown while a module evaluates (first stack
 * frame inside the app, source-mapped to the .ts line) and route-file contract errors.
 */
export function describeLoadError(error: unknown, root: string): LoadError {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  const top = error as Error | undefined;
  const out: LoadError = { message: top?.message ?? String(error), stack: top?.stack };
  const missing = missingPackage(top, root);
  if (missing) return withFrame({ ...out, ...missing }, root);
  for (const e of chain.reverse()) {
    const built = (e as { errors?: EsbuildMessage[] }).errors?.find((m) => m.location);
    if (built?.location) {
      return withFrame({ ...out, message: built.text, file: toRelative(built.location.file, root), line: built.location.line, column: built.location.column + 1 }, root);
    }
    const stack = (e as Error | undefined)?.stack ?? "";
    for (const match of stack.matchAll(FRAME)) {
      const file = match[1]!.replace(/^file:\/\//, "");
      if (!file.startsWith(root + sep) || file.includes(`${sep}node_modules${sep}`)) continue;
      return withFrame({ ...out, message: (e as Error).message, file: toRelative(file, root), line: Number(match[2]), column: Number(match[3]) }, root);
    }
  }
  const named = /^(?:Could not load )?(src\/[^\s:]+)/.exec(out.message);
  if (named) out.file = named[1];
  return out;
}

/**
 * An npm package the app imports but has not installed. Node names the bundle as the importer
 * (packages stay external), which tells the user nothing: name the source file that imports it
 * and the install command instead.
 */
function missingPackage(error: Error | undefined, root: string): Pick<LoadError, "message" | "file" | "line" | "column"> | null {
  if ((error as { code?: string } | undefined)?.code !== "ERR_MODULE_NOT_FOUND") return null;
  const name = /^Cannot find package '([^']+)'/.exec(error!.message)?.[1];
  if (!name) return null;
  const message = `Cannot find package '${name}': run \`npm install ${name}\``;
  const importer = findImporter(join(root, "src"), name);
  return importer ? { message, file: toRelative(importer.file, root), line: importer.line, column: importer.column } : { message };
}

const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** The first file under `dir` with `from "name"`, `import "name"` or `import("name")` (subpaths too), and where. */
function findImporter(dir: string, name: string): { file: string; line: number; column: number } | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*)["']${escaped}(?:/[^"']*)?["']`);
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findImporter(path, name);
      if (found) return found;
    } else if (SOURCE_FILE.test(entry.name)) {
      const lines = readFileSync(path, "utf8").split(/\r?\n/);
      for (let n = 0; n < lines.length; n++) {
        const match = pattern.exec(lines[n]!);
        if (match) return { file: path, line: n + 1, column: match.index + match[0].search(/["']/) + 1 }; // at the specifier
      }
    }
  }
  return null;
}

function toRelative(file: string, root: string): string {
  return (isAbsolute(file) ? relative(root, file) : file).split(sep).join("/");
}

function withFrame(error: LoadError, root: string): LoadError {
  if (!error.file || !error.line) return error;
  try {
    const lines = readFileSync(join(root, error.file), "utf8").split(/\r?\n/);
    const from = Math.max(1, error.line - 3);
    const to = Math.min(lines.length, error.line + 2);
    const width = String(to).length;
    const rows: string[] = [];
    for (let n = from; n <= to; n++) {
      rows.push(`${n === error.line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
      if (n === error.line && error.column) rows.push(`  ${" ".repeat(width)} | ${" ".repeat(error.column - 1)}^`);
    }
    return { ...error, frame: rows.join("\n") };
  } catch {
    return error;
  }
}

/** One line for the terminal: `src/routes/x/get.ts:2:16 Expected "}" but found ";"`. */
export function formatLoadError(error: LoadError): string {
  const where = error.file ? `${error.file}${error.line ? `:${error.line}${error.column ? `:${error.column}` : ""}` : ""} ` : "";
  return `${where}${error.message}${error.frame ? `\n${error.frame}` : ""}`;
}
