import kleur from "kleur";

/** Consistent CLI output: status lines on stderr for progress, results on stdout. */
export const ui = {
  info: (message: string) => console.log(message),
  success: (message: string) => console.log(`${kleur.green("✔")} ${message}`),
  step: (message: string) => console.log(`${kleur.cyan("›")} ${message}`),
  warn: (message: string) => console.error(`${kleur.yellow("!")} ${message}`),
  error: (message: string) => console.error(`${kleur.red("✖")} ${message}`),
  dim: (text: string) => kleur.dim(text),
  bold: (text: string) => kleur.bold(text),
  cyan: (text: string) => kleur.cyan(text),
  green: (text: string) => kleur.green(text),
};

/** Renders rows as an aligned text table with a bold header. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [kleur.bold(line(headers)), ...rows.map(line)].join("\n");
}

/** The "Examples:" block that ends a command's --help (after an optional paragraph). */
export function helpExamples(lines: Array<[command: string, note?: string]>, preface = ""): string {
  const width = Math.max(...lines.map(([command, note]) => (note ? command.length : 0)));
  const body = lines.map(([command, note]) => `  $ ${note ? `${command.padEnd(width)}  # ${note}` : command}`);
  return `${preface ? `\n${preface.trim()}\n` : ""}\nExamples:\n${body.join("\n")}`;
}
