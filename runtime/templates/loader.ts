import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, resolve, sep } from "node:path";
import { TemplateError, TemplateErrorCode } from "./errors.js";

/** Names without an extension get this one: `res.render("pages/home")` → `pages/home.twig`. */
export const TEMPLATE_EXTENSION = ".twig";

/**
 * Checks a template name and returns its canonical form. Names are always relative to the
 * templates folder (as in Twig); a name that could point anywhere else — absolute (its first
 * segment is empty), with a `.` or `..` segment, an empty segment, a dot-file, a backslash or
 * a NUL — is refused, so no `include`, `extends`, `import`, `source()` or `res.render`
 * reaches outside the folder.
 */
export function templateName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 512) {
    throw new TemplateError(TemplateErrorCode.BAD_NAME, `Invalid template name ${JSON.stringify(name)}`);
  }
  if (name.includes("\0") || name.includes("\\")) {
    throw new TemplateError(TemplateErrorCode.BAD_NAME, `Template name ${JSON.stringify(name)} must be a relative path inside the templates folder`);
  }
  const segments = name.split("/");
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".")) {
      throw new TemplateError(TemplateErrorCode.BAD_NAME, `Template name ${JSON.stringify(name)} must be a relative path inside the templates folder`);
    }
  }
  const last = segments[segments.length - 1]!;
  return last.includes(".") ? name : name + TEMPLATE_EXTENSION;
}

export interface TemplateSource {
  name: string;
  path: string;
  source: string;
  /** Changes whenever the file does (mtime and size): dev compares it before reusing a compiled template. */
  version: string;
}

/**
 * The stats of a path, or undefined when nothing is there — also when a parent is a file
 * (`pages/about.twig/index.twig`: ENOTDIR), which a request path like `/about.twig` asks for.
 */
function fileStats(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Reads templates from one folder, by canonical name only. */
export class TemplateFiles {
  readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = resolve(root);
  }

  pathOf(name: string): string {
    return join(this.root, ...templateName(name).split("/"));
  }

  /** The file's version, or null when it does not exist. */
  version(name: string): string | null {
    const stats = fileStats(this.pathOf(name));
    return stats?.isFile() ? `${stats.mtimeMs}:${stats.size}` : null;
  }

  read(name: string): TemplateSource {
    const canonical = templateName(name);
    const path = this.pathOf(canonical);
    const stats = fileStats(path);
    if (!stats?.isFile()) {
      throw new TemplateError(TemplateErrorCode.NOT_FOUND, `Template "${canonical}" not found (looked in ${path})`, { template: canonical, searched: [path] });
    }
    this.assertInside(canonical, path);
    return { name: canonical, path, source: readFileSync(path, "utf8"), version: `${stats.mtimeMs}:${stats.size}` };
  }

  /** Every template name under `dir` (a folder name relative to the root, "" for all), sorted. */
  list(dir = ""): string[] {
    const out: string[] = [];
    const walk = (relative: string) => {
      let entries;
      try {
        entries = readdirSync(join(this.root, relative), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        const name = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(name);
        else if (entry.isFile() && entry.name.endsWith(TEMPLATE_EXTENSION)) out.push(name);
      }
    };
    walk(dir);
    return out.sort();
  }

  /** A symlink inside the folder must not lead out of it. */
  private assertInside(name: string, path: string): void {
    this.realRoot ??= realpathSync(this.root);
    const real = realpathSync(path);
    if (!real.startsWith(this.realRoot + sep)) {
      throw new TemplateError(TemplateErrorCode.BAD_NAME, `Template "${name}" resolves outside the templates folder`, { template: name });
    }
  }
}
