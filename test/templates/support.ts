import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Views } from "../../runtime/templates/views.js";

/** A temporary templates folder holding `files` (name → source); `cleanup()` removes it. */
export function templatesDir(files: Record<string, string>, prefix = "tina4-templates-"): { dir: string; root: string; write(name: string, source: string): void; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(root, "templates");
  const write = (name: string, source: string) => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, source);
  };
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) write(name, source);
  return { dir, root, write, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Views over a temporary folder (production mode unless `dev`). */
export function viewsOf(files: Record<string, string>, options: { dev?: boolean; publicDir?: string | null } = {}) {
  const folder = templatesDir(files);
  const views = new Views({ dir: folder.dir, publicDir: options.publicDir ?? null, dev: options.dev ?? false });
  return Object.assign(folder, { views });
}
