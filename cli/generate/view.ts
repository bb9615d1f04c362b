import { existsSync } from "node:fs";
import { join } from "node:path";
import { CliError, CliErrorCode } from "../errors.js";
import { readTemplate, type PlannedFile } from "../templates.js";
import { words } from "./names.js";

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * A view or layout name → its path segments: letters, digits, `-` and `_`, separated by `/`
 * (`blog/post`), a trailing `.twig` tolerated. A segment may not start with `_` or `.`
 * (such files are partials, never served as pages).
 */
export function viewSegments(kind: string, text: string): string[] {
  const name = text.trim().replace(/\.twig$/, "");
  if (name === "") throw new CliError(`${kind} must not be empty`, CliErrorCode.BAD_NAME);
  const segments = name.split("/");
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) {
      throw new CliError(`${kind} "${text}" must be path segments of letters, digits, "-" or "_" (not starting with "_" or "."), separated by "/"`, CliErrorCode.BAD_NAME);
    }
  }
  return segments;
}

export interface ViewPlan {
  files: PlannedFile[];
  /** Where the page is served. */
  url: string;
  /** The layout file, when it already exists and is left alone. */
  keptLayout: string | null;
}

/**
 * `tina4 generate view <name> [--layout base]`: `src/templates/pages/<name>.twig`, extending
 * `src/templates/<layout>.twig`, which is written too when it does not exist yet.
 */
export function planView(root: string, name: string, options: { layout?: string; example?: { title: string } } = {}): ViewPlan {
  const segments = viewSegments("View name", name);
  const layoutSegments = viewSegments("Layout name", options.layout ?? "base");
  const layout = layoutSegments.join("/");
  const pagePath = segments.join("/");
  const url = "/" + (segments[segments.length - 1] === "index" ? segments.slice(0, -1) : segments).join("/");
  const title = options.example?.title ?? (words(segments[segments.length - 1]!).join(" ").replace(/^./, (c) => c.toUpperCase()) || "Page");
  const templates = join(root, "src", "templates");
  const layoutFile = join(templates, ...layoutSegments) + ".twig";
  const files: PlannedFile[] = [
    {
      path: join(templates, "pages", ...segments) + ".twig",
      contents: readTemplate(options.example ? "generate/view/example-index.twig" : "generate/view/page.twig", { layout, title, name: pagePath, url }),
    },
  ];
  const keptLayout = existsSync(layoutFile) ? layoutFile : null;
  if (!keptLayout) files.push({ path: layoutFile, contents: readTemplate("generate/view/layout.twig", {}) });
  return { files, url, keptLayout };
}
