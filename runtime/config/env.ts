import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, ConfigErrorCode } from "./errors.js";

/** The env files every command reads, the first to define a name winning. */
export const ENV_FILES: readonly string[] = [".env.local", ".env"];
/** What testClient() reads: `.env.test` (a throwaway database, say) ahead of the others. */
export const TEST_ENV_FILES: readonly string[] = [".env.test", ...ENV_FILES];

/**
 * Loads `files` (`.env.local` then `.env`) from `dir` into process.env. The first file to define a
 * name wins and a variable already in the real environment (even an empty one) is never
 * overridden. A line that cannot be read fails the load (ConfigError naming file and line)
 * before any value of any file is applied. Returns the names that were set.
 */
export function loadEnvFiles(dir: string = process.cwd(), files: readonly string[] = ENV_FILES): string[] {
  // every file is parsed before anything is applied: a bad line leaves process.env untouched
  const parsed = files
    .map((name) => join(dir, name))
    .filter((file) => existsSync(file))
    .map((file) => parseEnv(readFileSync(file, "utf8"), file));
  const set: string[] = [];
  for (const values of parsed) {
    for (const [key, value] of values) {
      if (process.env[key] !== undefined) continue;
      process.env[key] = value;
      set.push(key);
    }
  }
  return set;
}

const KEY = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/**
 * Parses dotenv text (`source` names it in errors):
 * - `KEY=value` or `export KEY=value`; blank lines, `#` comment lines and a bare `export KEY`
 *   are skipped;
 * - unquoted values are trimmed and end at a `#` preceded by whitespace (`a#b` stays whole);
 * - `'single'` and `` `backtick` `` values are literal; `"double"` values understand
 *   `\n \r \t \" \\`; quoted values may span lines and may be followed by a comment;
 * - no `${VAR}` expansion; within one text the last definition of a name wins.
 * A line that is none of these, or a quote never closed, is a ConfigError (T4_ERR_CONFIG_ENV_FILE).
 */
export function parseEnv(text: string, source = "dotenv text"): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/); // a byte order mark goes with trimStart()
  const fail = (line: number, why: string): never => {
    throw new ConfigError(ConfigErrorCode.ENV_FILE, `${source} line ${line}: ${why}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trimStart();
    if (line.trimEnd() === "" || line.startsWith("#")) continue;
    if (/^export[ \t]+[A-Za-z_][A-Za-z0-9_.-]*[ \t]*$/.test(line)) continue; // `export NAME` marks a shell variable: nothing to set
    const key = KEY.exec(line);
    if (!key) fail(lineNo, `expected KEY=value (KEY: letters, digits, _ . -, not starting with a digit), got ${JSON.stringify(line.trimEnd().slice(0, 60))}`);
    const name = key![1]!;
    let rest = line.slice(key![0].length);
    const quote = rest[0];
    if (quote !== '"' && quote !== "'" && quote !== "`") {
      const comment = /\s#/.exec(rest);
      out.set(name, (comment ? rest.slice(0, comment.index) : rest).trim());
      continue;
    }
    // a quoted value: read until the closing quote, across lines if need be
    let value = "";
    let j = 1;
    const startLine = lineNo;
    for (;;) {
      if (j >= rest.length) {
        if (++i >= lines.length) fail(startLine, `${quote} quote of ${name} is never closed`);
        value += "\n";
        rest = lines[i]!;
        j = 0;
        continue;
      }
      const c = rest[j]!;
      if (c === quote) break;
      if (c === "\\" && quote === '"' && j + 1 < rest.length) {
        const next = rest[j + 1]!;
        value += DOUBLE_QUOTED_ESCAPES[next] ?? `\\${next}`;
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    const after = rest.slice(j + 1).trim();
    if (after !== "" && !after.startsWith("#")) fail(i + 1, `unexpected ${JSON.stringify(after.slice(0, 40))} after the closing ${quote} of ${name}`);
    out.set(name, value);
  }
  return out;
}

export function envString(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

export function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${name} must be a number, got "${value}"`);
  return Math.trunc(parsed);
}

export function envBool(name: string, fallback: boolean): boolean {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined || value === "") return fallback;
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${name} must be true or false, got "${value}"`);
}

export function envList(name: string): string[] {
  const value = process.env[name];
  if (!value) return [];
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}
