import { readFileSync } from "node:fs";
import type { Request } from "../../runtime/http/request.js";
import type { Response } from "../../runtime/http/response.js";
import { isAbsolute, join, relative, sep } from "node:path";
import type { LoadError } from "../cluster/protocol.js";
import { escapeHtml } from "../../runtime/http/escape-html.js";

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

/**
 * Answers a request with the load error: an HTML page for browsers (the live-reload client is
 * added to it like to any page, so it recovers by itself once the file is fixed), JSON
 * otherwise. Status 500, never cached.
 */
export function answerLoadError(req: Request, res: Response, error: LoadError): void {
  res.status(500).header("cache-control", "no-store");
  if (!(req.headers.accept ?? "").includes("text/html")) {
    res.json({ error: "App failed to load", code: "T4_ERR_DEV_LOAD", message: error.message, file: error.file, line: error.line, column: error.column, frame: error.frame });
    return;
  }
  const location = error.file ? `${error.file}${error.line ? `:${error.line}:${error.column ?? 1}` : ""}` : undefined;
  res.html(`<!doctype html><html><head><meta charset="utf-8"><title>Build error — tina4</title>
<style>body{font:14px/1.5 ui-monospace,monospace;background:#1e1e24;color:#eee;margin:0;padding:2rem}
h1{color:#ff6b6b;font-size:1.2rem}pre{background:#111;padding:1rem;overflow:auto;border-radius:6px}.file{color:#8be9fd}small{color:#999}</style></head>
<body><h1>Failed to load app code</h1>${location ? `<p class="file">${escapeHtml(location)}</p>` : ""}
<pre>${escapeHtml(error.message)}</pre>${error.frame ? `<pre>${escapeHtml(error.frame)}</pre>` : ""}
<small>tina4 dev mode · the last good code is kept; this page reloads when the file is fixed</small></body></html>`);
}
