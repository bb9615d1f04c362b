import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadError } from "./cluster/protocol.js";
import { PRECOMPILED_FILE } from "../runtime/templates/precompile.js";
import { TemplateError } from "../runtime/templates/errors.js";

export interface CompiledTemplates {
  /** Writes dist/templates.json (or removes a stale one when the app has no templates). */
  write(): void;
  count: number;
}

/**
 * `tina4 build`'s template step: compiles every template under src/templates, so a broken
 * template fails the build (as a syntax error in a route file does) instead of the first
 * request that renders it. Production workers render from the written tokens.
 */
export async function compileTemplates(root: string): Promise<CompiledTemplates> {
  const dir = join(root, "src", "templates");
  const file = join(root, "dist", PRECOMPILED_FILE);
  if (!existsSync(dir)) return { count: 0, write: () => rmSync(file, { force: true }) };
  const { precompileTemplates } = await import("../runtime/templates/precompile.js");
  const compiled = precompileTemplates(dir);
  return {
    count: Object.keys(compiled.templates).length,
    write() {
      mkdirSync(join(root, "dist"), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(compiled));
      renameSync(temp, file);
    },
  };
}

/** A template error as the build reports load errors: file under src/templates, line, column, frame. */
export function templateLoadError(error: TemplateError): LoadError {
  const message = error.message.replace(/^Template syntax error in \S+?: /, "");
  return {
    message,
    ...(error.template ? { file: `src/templates/${error.template}` } : {}),
    ...(error.line ? { line: error.line } : {}),
    ...(error.column ? { column: error.column } : {}),
    ...(error.frame ? { frame: error.frame } : {}),
  };
}
