/**
 * Small SQL scanner shared by the dialects: finds `?` placeholders and top-level keywords
 * while skipping string literals, quoted identifiers and comments, so a `?` or `LIMIT`
 * inside a literal is never touched. It never splices values into SQL.
 */
export interface ScanFlavour {
  /** `\'` escapes inside '...' (MySQL default sql_mode). */
  backslashEscapes?: boolean;
  /** `[ident]` quoting (MSSQL). */
  brackets?: boolean;
  /** `$tag$ ... $tag$` strings (PostgreSQL). */
  dollarQuotes?: boolean;
  /** `# ...` line comments (MySQL, MariaDB). */
  hashComments?: boolean;
  /** `--` starts a comment only when followed by whitespace (MySQL: `5--1` is 5 - -1). */
  dashNeedsSpace?: boolean;
  /** Block comments nest: `/* a /* b *\/ c *\/` is one comment (PostgreSQL). */
  nestedComments?: boolean;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** End (exclusive) of the block comment opening at `i`. */
function blockCommentEnd(sql: string, i: number, nested: boolean): number {
  if (!nested) {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  let depth = 0;
  for (let j = i; j < sql.length - 1; j++) {
    if (sql[j] === "/" && sql[j + 1] === "*") { depth++; j++; }
    else if (sql[j] === "*" && sql[j + 1] === "/") {
      j++;
      if (--depth === 0) return j + 1;
    }
  }
  return sql.length;
}

function lineCommentEnd(sql: string, i: number): number {
  const end = sql.indexOf("\n", i);
  return end < 0 ? sql.length : end + 1;
}

/** True when a comment (not a literal) starts at `i`. */
function commentStarts(sql: string, i: number, f: ScanFlavour): boolean {
  const ch = sql[i];
  if (ch === "-") return sql[i + 1] === "-" && (!f.dashNeedsSpace || i + 2 >= sql.length || isSpace(sql.charCodeAt(i + 2)));
  if (ch === "/") return sql[i + 1] === "*";
  return ch === "#" && f.hashComments === true;
}

/** Returns the end index (exclusive) of a literal/comment starting at `i`, or -1 if none starts there. */
function skipQuoted(sql: string, i: number, f: ScanFlavour): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"' || ch === "`" || (ch === "[" && f.brackets)) {
    const close = ch === "[" ? "]" : ch;
    let j = i + 1;
    while (j < sql.length) {
      const c = sql[j];
      if (f.backslashEscapes && c === "\\" && ch === "'") { j += 2; continue; }
      if (c === close) {
        if (sql[j + 1] === close && close !== "]") { j += 2; continue; }
        return j + 1;
      }
      j++;
    }
    return sql.length;
  }
  if (commentStarts(sql, i, f)) {
    return ch === "/" ? blockCommentEnd(sql, i, f.nestedComments === true) : lineCommentEnd(sql, i);
  }
  if (ch === "$" && f.dollarQuotes) {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
    if (m) {
      const end = sql.indexOf(m[0], i + m[0].length);
      return end < 0 ? sql.length : end + m[0].length;
    }
  }
  return -1;
}

/** Indexes of every `?` placeholder outside literals and comments. */
export function placeholderPositions(sql: string, f: ScanFlavour = {}): number[] {
  const out: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    // fast path: only these characters can start something interesting
    if (c !== 63 && c !== 39 && c !== 34 && c !== 96 && c !== 91 && c !== 45 && c !== 47 && c !== 36 && c !== 35) continue;
    const end = skipQuoted(sql, i, f);
    if (end >= 0) { i = end - 1; continue; }
    if (c === 63) out.push(i);
  }
  return out;
}

/** Replaces each `?` with `mark(n)` (n from 1). */
export function replacePlaceholders(sql: string, mark: (n: number) => string, f: ScanFlavour = {}): string {
  const at = placeholderPositions(sql, f);
  if (at.length === 0) return sql;
  let out = "";
  let last = 0;
  at.forEach((pos, k) => {
    out += sql.slice(last, pos) + mark(k + 1);
    last = pos + 1;
  });
  return out + sql.slice(last);
}

/** Index of the last top-level (depth 0, outside literals) occurrence of `keyword`, or -1. */
export function lastTopLevelKeyword(sql: string, keyword: string, f: ScanFlavour = {}): number {
  const re = new RegExp(`^${keyword.replace(/ /g, "\\s+")}\\b`, "i");
  let depth = 0;
  let found = -1;
  for (let i = 0; i < sql.length; i++) {
    const end = skipQuoted(sql, i, f);
    if (end >= 0) { i = end - 1; continue; }
    const c = sql[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && /\s/.test(sql[i - 1] ?? " ") && re.test(sql.slice(i, i + keyword.length + 16))) found = i;
  }
  return found;
}

/**
 * The statement without what follows its last token: whitespace, comments and `;`. Paging and
 * counting append to or wrap the statement, so a trailing `-- comment` would swallow an
 * appended `LIMIT` and leave `(... -- c) t4_count` unterminated.
 */
export function trimStatementEnd(sql: string, f: ScanFlavour = {}): string {
  let end = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (isSpace(c) || c === 59) continue;
    const skip = skipQuoted(sql, i, f);
    if (skip < 0) { end = i + 1; continue; }
    if (!commentStarts(sql, i, f)) end = skip;
    i = skip - 1;
  }
  return end === sql.length ? sql : sql.slice(0, end);
}

export interface TrailingLimit {
  /** SQL with the LIMIT clause removed. */
  base: string;
  /** Literal number, or "?" when bound. */
  limit: number | "?";
  offset: number | "?" | null;
  /** Placeholder order in the original clause: true when OFFSET's `?` came before LIMIT's (MySQL `LIMIT ?, ?`). */
  offsetFirst: boolean;
}

const LIMIT_RE = /\s+LIMIT\s+(\d+|\?)(?:\s+OFFSET\s+(\d+|\?)|\s*,\s*(\d+|\?))?\s*;?\s*$/i;

/** Detects `... LIMIT n [OFFSET m]` or `... LIMIT m, n` at the very end of a statement. */
export function trailingLimit(source: string, f: ScanFlavour = {}): TrailingLimit | null {
  const sql = trimStatementEnd(source, f);
  const m = LIMIT_RE.exec(sql);
  if (!m) return null;
  if (lastTopLevelKeyword(sql, "LIMIT", f) !== m.index + m[0].search(/LIMIT/i)) return null;
  const val = (s: string): number | "?" => (s === "?" ? "?" : Number(s));
  if (m[3] !== undefined) {
    // MySQL form: LIMIT offset, count
    return { base: sql.slice(0, m.index), limit: val(m[3]), offset: val(m[1]!), offsetFirst: true };
  }
  return {
    base: sql.slice(0, m.index),
    limit: val(m[1]!),
    offset: m[2] === undefined ? null : val(m[2]),
    offsetFirst: false,
  };
}

/** The statement's first keyword, upper-cased ("SELECT", "INSERT", "WITH", ...). */
export function firstKeyword(sql: string): string {
  const m = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*\(?\s*([A-Za-z]+)/.exec(sql);
  return m ? m[1]!.toUpperCase() : "";
}

const DDL = new Set(["CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "COMMENT"]);
export function isDdl(sql: string): boolean {
  return DDL.has(firstKeyword(sql));
}
