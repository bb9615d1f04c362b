import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { packageRoot } from "./project.js";

export const templatesRoot = join(packageRoot, "templates");

/** Replaces `{{key}}`; an unknown key is a bug in the caller, so it throws. A line left empty by a blank value is dropped. */
export function render(text: string, vars: Record<string, string>): string {
  return text
    .split("\n")
    .flatMap((line) => {
      const rendered = line.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
        if (!(key in vars)) throw new Error(`template variable "${key}" has no value`);
        return vars[key]!;
      });
      return rendered.trim() === "" && line.trim() !== "" ? [] : [rendered];
    })
    .join("\n");
}

/** `_gitignore` → `.gitignore`: npm drops dotfiles from published packages, so templates store them with `_`. */
function targetName(name: string): string {
  return name.startsWith("_") ? "." + name.slice(1) : name;
}

export interface PlannedFile {
  path: string;
  contents: string;
}

/** Renders every file of a template folder into a list of files to write under `dest`. */
export function planTemplateDir(templateDir: string, dest: string, vars: Record<string, string>): PlannedFile[] {
  const source = join(templatesRoot, templateDir);
  const out: PlannedFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const rel = relative(source, path).split("/").map(targetName).join("/");
        out.push({ path: join(dest, rel), contents: render(readFileSync(path, "utf8"), vars) });
      }
    }
  };
  walk(source);
  return out;
}

export function readTemplate(path: string, vars: Record<string, string>): string {
  return render(readFileSync(join(templatesRoot, path), "utf8"), vars);
}

export function writeFiles(files: PlannedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
}

/** Entries that leave a folder "empty" for init: a fresh `git init` or clone, Finder's metadata. init writes none of them. */
const IGNORED_ENTRIES = new Set([".git", ".DS_Store"]);

export function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).every((name) => IGNORED_ENTRIES.has(name));
}
