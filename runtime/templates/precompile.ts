import { readFileSync } from "node:fs";
import { TemplateFiles } from "./loader.js";
import { TwigEngine } from "./twig-engine.js";
import { TemplateError, TemplateErrorCode } from "./errors.js";

/** `tina4 build` writes every template's compiled tokens here, inside dist/. */
export const PRECOMPILED_FILE = "templates.json";

export interface PrecompiledTemplates {
  format: 1;
  engine: "twig";
  /** Canonical name → twig.js tokens. */
  templates: Record<string, unknown[]>;
}

/**
 * Compiles every `.twig` file under `dir`. Throws the first template's TemplateError
 * (T4_ERR_TEMPLATE_SYNTAX with file, line and code frame), so a broken template fails the build.
 */
export function precompileTemplates(dir: string): PrecompiledTemplates {
  const files = new TemplateFiles(dir);
  const engine = new TwigEngine({
    resolve: () => {
      throw new Error("templates are not rendered while precompiling");
    },
    source: () => "",
  });
  const templates: Record<string, unknown[]> = {};
  for (const name of files.list()) {
    templates[name] = engine.tokensOf(engine.compile(name, files.read(name).source));
  }
  return { format: 1, engine: "twig", templates };
}

/** The precompiled tokens, or null when the file is missing or not ours. */
export function readPrecompiled(file: string): Map<string, unknown[]> | null {
  let parsed: PrecompiledTemplates;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as PrecompiledTemplates;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new TemplateError(TemplateErrorCode.SYNTAX, `Cannot read precompiled templates ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (parsed?.format !== 1 || parsed.engine !== "twig" || typeof parsed.templates !== "object") return null;
  return new Map(Object.entries(parsed.templates));
}
