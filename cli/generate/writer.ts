import { existsSync } from "node:fs";
import { relative } from "node:path";
import { CliError, CliErrorCode } from "../errors.js";
import { writeFiles, type PlannedFile } from "../templates.js";
import { ui } from "../ui.js";

export interface WriteOptions {
  dryRun?: boolean;
  force?: boolean;
}

/**
 * Writes generated files all-or-nothing: if any target exists and --force is not given,
 * nothing is written. --dry-run prints every path and its contents instead.
 */
export function emit(root: string, files: PlannedFile[], options: WriteOptions): void {
  const existing = files.filter((file) => existsSync(file.path));
  if (existing.length > 0 && !options.force && !options.dryRun) {
    const names = existing.map((file) => relative(root, file.path)).join(", ");
    throw new CliError(`Refusing to overwrite ${names} (use --force)`, CliErrorCode.EXISTS);
  }
  if (options.dryRun) {
    for (const file of files) {
      const note = existsSync(file.path) ? (options.force ? " (would overwrite)" : " (exists: needs --force)") : "";
      console.log(`${ui.bold(relative(root, file.path))}${ui.dim(note)}`);
      console.log(ui.dim(file.contents.replace(/^/gm, "  │ ")));
    }
    console.log(ui.dim(`dry run: ${files.length} file(s), nothing written`));
    return;
  }
  writeFiles(files);
  for (const file of files) {
    if (existing.includes(file)) ui.warn(`replaced ${relative(root, file.path)} (--force)`);
    else ui.success(`created ${relative(root, file.path)}`);
  }
}
