import type { Engine } from "../db/index.js";
import { MigrateErrorCode, MigrationError } from "./errors.js";

/** One statement of a migration file and the line it starts on (1-based). */
export interface SqlStatement {
  sql: string;
  line: number;
}

export interface SplitOptions {
  /** Enables engine syntax: MySQL `#` comments and backslash escapes, PostgreSQL nested comments, SQL Server `[names]` and `GO`. */
  engine?: Engine | undefined;
  /** Named in error messages. */
  file?: string | undefined;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_$]/;
const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;
const SET_TERM = /SET\s+TERM\s+/iy;
const DELIMITER = /DELIMITER[ \t]+(\S+)[^\n]*/iy;
const GO = /GO[ \t]*(?:\r?\n|$)/iy;
/** Words after END that close their own construct (END IF, END LOOP, ...), not a BEGIN/CASE. */
const END_OWN = new Set(["IF", "LOOP", "WHILE", "REPEAT", "FOR"]);
/** Statements whose body holds `;`-terminated statements inside BEGIN … END. */
const BLOCK_OBJECTS = new Set(["TRIGGER", "PROCEDURE", "FUNCTION", "PACKAGE", "EVENT"]);

/**
 * Splits a migration file into statements. Understands '…' strings (doubled quotes; backslash
 * escapes on MySQL and in E'…'), "…" and `…` names, `--` and block comments, dollar-quoted
 * bodies (`$$ … $$`, `$tag$ … $tag$`), BEGIN … END bodies of triggers / procedures / functions /
 * EXECUTE BLOCK, Firebird `SET TERM ^ ;` and MySQL `DELIMITER //`. Comments before a statement
 * and comment-only statements are dropped. Throws T4_ERR_MIGRATE_SPLIT on unterminated text.
 */
export function splitSql(text: string, options: SplitOptions = {}): SqlStatement[] {
  const engine = options.engine;
  const mysql = engine === "mysql";
  const out: SqlStatement[] = [];
  const n = text.length;
  let delim = ";";
  let i = 0;
  let start = -1;
  let depth = 0;
  let head: string[] = [];
  let block = false;
  /** Firebird DECLARE section before the body: its ';' do not end the statement. */
  let declaring = false;
  let lineIdx = 0;
  let lineNo = 1;

  const lineAt = (idx: number): number => {
    for (; lineIdx < idx; lineIdx++) if (text.charCodeAt(lineIdx) === 10) lineNo++;
    return lineNo;
  };
  const fail = (what: string, at: number): never => {
    const where = `${options.file ? `${options.file}, ` : ""}line ${lineAt(at)}`;
    throw new MigrationError(MigrateErrorCode.SPLIT, `Unterminated ${what} starting at ${where}`, { file: options.file, line: lineAt(at) });
  };
  const flush = (end: number): void => {
    if (start >= 0) {
      const sql = text.slice(start, end).trim();
      if (sql !== "") out.push({ sql, line: lineAt(start) });
    }
    start = -1;
    depth = 0;
    head = [];
    block = false;
    declaring = false;
  };
  const atLineStart = (idx: number): boolean => {
    for (let k = idx - 1; k >= 0; k--) {
      const ch = text[k]!;
      if (ch === "\n") return true;
      if (ch !== " " && ch !== "\t" && ch !== "\r") return false;
    }
    return true;
  };
  /** Index just past a comment starting at i, or -1 when none starts there. */
  const skipComment = (at: number): number => {
    const c = text[at];
    if ((c === "-" && text[at + 1] === "-") || (c === "#" && mysql)) {
      const nl = text.indexOf("\n", at);
      return nl < 0 ? n : nl + 1;
    }
    if (c === "/" && text[at + 1] === "*") {
      let nest = 1;
      let k = at + 2;
      while (k < n) {
        if (text[k] === "*" && text[k + 1] === "/") {
          nest--;
          k += 2;
          if (nest === 0) return k;
        } else if (engine === "postgres" && text[k] === "/" && text[k + 1] === "*") {
          nest++;
          k += 2;
        } else k++;
      }
      return fail("/* comment", at);
    }
    return -1;
  };

  while (i < n) {
    const c = text[i]!;

    if (engine === "mssql" && (c === "G" || c === "g") && atLineStart(i)) {
      GO.lastIndex = i;
      const go = GO.exec(text);
      if (go && (start === -1 || depth <= 0)) {
        flush(i);
        i += go[0].length;
        continue;
      }
    }

    if (start === -1) {
      if (c === " " || c === "\t" || c === "\r" || c === "\n") {
        i++;
        continue;
      }
      const past = skipComment(i);
      if (past >= 0) {
        i = past;
        continue;
      }
      SET_TERM.lastIndex = i;
      if (SET_TERM.test(text)) {
        const from = SET_TERM.lastIndex;
        const end = text.indexOf(delim, from);
        if (end < 0) fail("SET TERM", i);
        const next = text.slice(from, end).trim();
        if (next === "" || /\s/.test(next)) fail("SET TERM (expected e.g. SET TERM ^ ;)", i);
        i = end + delim.length;
        delim = next;
        continue;
      }
      DELIMITER.lastIndex = i;
      const d = atLineStart(i) ? DELIMITER.exec(text) : null;
      if (d) {
        delim = d[1]!;
        i = DELIMITER.lastIndex;
        continue;
      }
      start = i;
    }

    if (depth <= 0 && !declaring && text.startsWith(delim, i)) {
      flush(i);
      i += delim.length;
      continue;
    }

    if (c === "'" || c === '"' || c === "`" || (c === "[" && engine === "mssql")) {
      const close = c === "[" ? "]" : c;
      const prev = text[i - 1];
      const escaped = c !== "`" && c !== "[" && (mysql || (c === "'" && (prev === "E" || prev === "e") && !IDENT_CHAR.test(text[i - 2] ?? "")));
      let k = i + 1;
      for (;;) {
        if (k >= n) fail(c === "'" ? "string" : "quoted name", i);
        const ch = text[k]!;
        if (escaped && ch === "\\") k += 2;
        else if (ch === close) {
          if (text[k + 1] === close && close !== "]") k += 2;
          else break;
        } else k++;
      }
      i = k + 1;
      continue;
    }

    const past = skipComment(i);
    if (past >= 0) {
      i = past;
      continue;
    }

    if (c === "$" && !mysql && !IDENT_CHAR.test(text[i - 1] ?? "")) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(text);
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        if (end < 0) fail(`dollar-quoted body ${tag[0]}`, i);
        i = end + tag[0].length;
        continue;
      }
    }

    if (IDENT_START.test(c) && !IDENT_CHAR.test(text[i - 1] ?? "")) {
      WORD.lastIndex = i;
      let word = WORD.exec(text)![0];
      // a custom delimiter may touch the word (END$$, END//)
      const cut = delim === ";" ? -1 : word.indexOf(delim);
      if (cut > 0) word = word.slice(0, cut);
      const upper = word.toUpperCase();
      i += word.length;
      if (head.length < 8) {
        head.push(upper);
        if (!block && delim === ";") {
          block = (["CREATE", "ALTER", "RECREATE"].includes(head[0]!) && BLOCK_OBJECTS.has(upper)) || (head[0] === "EXECUTE" && upper === "BLOCK");
        }
      }
      if (block) {
        if (upper === "DECLARE" && depth <= 0) declaring = true;
        else if (upper === "BEGIN" || upper === "CASE") {
          depth++;
          declaring = false;
        }
        else if (upper === "END") {
          WORD.lastIndex = i;
          let k = i;
          while (k < n && /\s/.test(text[k]!)) k++;
          WORD.lastIndex = k;
          const after = k > i || k === n ? WORD.exec(text)?.[0]?.toUpperCase() : undefined;
          if (after === undefined || !END_OWN.has(after)) depth--;
        }
      }
      continue;
    }
    i++;
  }
  flush(n);
  return out;
}
