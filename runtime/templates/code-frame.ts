/** Line and column (both 1-based) of a character offset in `source`. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < clamped; i = source.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: clamped - lineStart + 1 };
}

/**
 * Up to three lines before and two after `line`, numbered, the failing one marked with `>`
 * and a caret under `column` (the same shape as the dev error page for TypeScript files).
 */
export function codeFrame(source: string, line: number, column?: number): string {
  const lines = source.split(/\r?\n/);
  const from = Math.max(1, line - 3);
  const to = Math.min(lines.length, line + 2);
  const width = String(to).length;
  const rows: string[] = [];
  for (let n = from; n <= to; n++) {
    rows.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line && column) rows.push(`  ${" ".repeat(width)} | ${" ".repeat(column - 1)}^`);
  }
  return rows.join("\n");
}
