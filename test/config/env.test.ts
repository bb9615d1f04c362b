/**
 * `.env` files as a user writes them: quotes, `export`, comments, multi-line values, the
 * `.env.local` over `.env` precedence and the real environment winning over both; plus the
 * typed readers (envInt, envBool, envList) and the errors for what cannot be read.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { envBool, envInt, envList, envString, loadEnvFiles, parseEnv } from "../../runtime/config/env.js";
import { ConfigError } from "../../runtime/config/errors.js";

const parse = (text: string) => Object.fromEntries(parseEnv(text));

function configError(call: () => unknown): ConfigError {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a ConfigError").toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe("parseEnv", () => {
  it("reads KEY=value lines, trims around the key and an unquoted value, keeps inner spaces", () => {
    expect(parse("A=1\nB = two words  \n  C=  x=y=z\nD=\nE_1.f-g=ok\n")).toEqual({ A: "1", B: "two words", C: "x=y=z", D: "", "E_1.f-g": "ok" });
  });

  it("skips blank lines and # comments; an inline comment needs whitespace before #", () => {
    const env = parse("# heading\n\n   # indented comment\nA=1 # one\nB=a#b\nC=x\t# tab comment\nD=#notacomment\n");
    expect(env).toEqual({ A: "1", B: "a#b", C: "x", D: "#notacomment" });
  });

  it("accepts `export KEY=value`", () => {
    expect(parse("export A=1\nexport  B='two'\nexported=3\nexport A\n")).toEqual({ A: "1", B: "two", exported: "3" });
  });

  it("single quotes are literal; double quotes understand \\n \\r \\t \\\" \\\\; both may be followed by a comment", () => {
    const env = parse([
      `S='a "b" \\n # not a comment'  # comment`,
      `D="a 'b' \\"c\\" \\n\\t\\\\n # not a comment" # comment`,
      `B=\`back 'tick' "quoted"\``,
      `E=""`,
      `F=''`,
      `P="C:\\\\new\\\\path"`,
    ].join("\n"));
    expect(env.S).toBe('a "b" \\n # not a comment');
    expect(env.D).toBe("a 'b' \"c\" \n\t\\n # not a comment");
    expect(env.B).toBe(`back 'tick' "quoted"`);
    expect(env.E).toBe("");
    expect(env.F).toBe("");
    expect(env.P).toBe("C:\\new\\path");
  });

  it("quoted values may span lines (PEM keys, JSON)", () => {
    const env = parse([
      'KEY="-----BEGIN KEY-----',
      "abc",
      '-----END KEY-----"',
      "JSON='{",
      '  "a": 1',
      "}'",
      "AFTER=yes",
    ].join("\r\n"));
    expect(env.KEY).toBe("-----BEGIN KEY-----\nabc\n-----END KEY-----");
    expect(parse('T="keeps  \n  spaces "\n').T).toBe("keeps  \n  spaces ");
    expect(env.JSON).toBe('{\n  "a": 1\n}');
    expect(env.AFTER).toBe("yes");
  });

  it("CRLF line ends and a UTF-8 byte order mark are handled", () => {
    expect(parse("\uFEFFA=1\r\nB=\"x\"\r\nC=3")).toEqual({ A: "1", B: "x", C: "3" });
  });

  it("within one file the last definition wins (as in a shell)", () => {
    expect(parse("A=1\nA=2\n")).toEqual({ A: "2" });
  });

  it("lines it cannot read are errors naming the file and line, never silently dropped", () => {
    const cases: Array<[string, number]> = [
      ["A=1\nDATABASE_URL postgres://x\n", 2],
      ["A=1\n\n1BAD=2\n", 3],
      ['A="never closed\nB=2\n', 1],
      ["A='x' trailing\n", 1],
      ["=value\n", 1],
    ];
    for (const [text, line] of cases) {
      const error = configError(() => parseEnv(text, ".env.local"));
      expect(error.code, text).toBe("T4_ERR_CONFIG_ENV_FILE");
      expect(error.message, text).toContain(`.env.local line ${line}`);
    }
  });
});

describe("loadEnvFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "t4-env-"));
  const names = ["T4_ENV_LOCAL_ONLY", "T4_ENV_BOTH", "T4_ENV_FILE_ONLY", "T4_ENV_REAL", "T4_ENV_REAL_EMPTY", "T4_ENV_MULTI"];
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(".env.local wins over .env, the real environment wins over both (even when empty)", () => {
    writeFileSync(join(dir, ".env"), [
      "T4_ENV_BOTH=from-env", "T4_ENV_FILE_ONLY=from-env", "T4_ENV_REAL=from-env", "T4_ENV_REAL_EMPTY=from-env",
      'T4_ENV_MULTI="line 1', 'line 2"',
    ].join("\n"));
    writeFileSync(join(dir, ".env.local"), "export T4_ENV_BOTH=from-local\nT4_ENV_LOCAL_ONLY='local only'\nT4_ENV_REAL=from-local\n");
    process.env.T4_ENV_REAL = "real";
    process.env.T4_ENV_REAL_EMPTY = "";
    const set = loadEnvFiles(dir);
    expect(process.env.T4_ENV_BOTH).toBe("from-local");
    expect(process.env.T4_ENV_LOCAL_ONLY).toBe("local only");
    expect(process.env.T4_ENV_FILE_ONLY).toBe("from-env");
    expect(process.env.T4_ENV_REAL).toBe("real");
    expect(process.env.T4_ENV_REAL_EMPTY).toBe("");
    expect(process.env.T4_ENV_MULTI).toBe("line 1\nline 2");
    expect(set.sort()).toEqual(["T4_ENV_BOTH", "T4_ENV_FILE_ONLY", "T4_ENV_LOCAL_ONLY", "T4_ENV_MULTI"]);
  });

  it("missing files are fine; a file with a bad line fails with its name and line", () => {
    const empty = mkdtempSync(join(tmpdir(), "t4-env-none-"));
    try {
      expect(loadEnvFiles(empty)).toEqual([]);
      writeFileSync(join(empty, ".env.local"), "T4_ENV_LOCAL_ONLY=fine\n");
      writeFileSync(join(empty, ".env"), "T4_ENV_FILE_ONLY=ok\nT4_ENV_BOTH\n");
      const error = configError(() => loadEnvFiles(empty));
      expect(error.message).toContain(`${join(empty, ".env")} line 2`);
      // nothing applied, not even from the good .env.local
      expect(process.env.T4_ENV_FILE_ONLY).toBeUndefined();
      expect(process.env.T4_ENV_LOCAL_ONLY).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("typed readers", () => {
  const NAME = "T4_ENV_READER";
  afterEach(() => {
    delete process.env[NAME];
  });

  it("envString/envInt/envBool/envList fall back when unset or empty", () => {
    expect(envString(NAME, "d")).toBe("d");
    expect(envInt(NAME, 7)).toBe(7);
    expect(envBool(NAME, true)).toBe(true);
    expect(envList(NAME)).toEqual([]);
    process.env[NAME] = "";
    expect(envString(NAME, "d")).toBe("d");
    expect(envInt(NAME, 7)).toBe(7);
    expect(envBool(NAME, false)).toBe(false);
  });

  it("parse their forms", () => {
    process.env[NAME] = " 42 ";
    expect(envInt(NAME, 0)).toBe(42);
    for (const yes of ["1", "true", "YES", " on "]) {
      process.env[NAME] = yes;
      expect(envBool(NAME, false), yes).toBe(true);
    }
    for (const no of ["0", "False", "no", "off"]) {
      process.env[NAME] = no;
      expect(envBool(NAME, true), no).toBe(false);
    }
    process.env[NAME] = " a, b ,,c ";
    expect(envList(NAME)).toEqual(["a", "b", "c"]);
  });

  it("a malformed value is a ConfigError naming the variable", () => {
    process.env[NAME] = "12abc";
    const bad = configError(() => envInt(NAME, 0));
    expect(bad.code).toBe("T4_ERR_CONFIG_BAD_VALUE");
    expect(bad.message).toContain(NAME);
    process.env[NAME] = "maybe";
    expect(configError(() => envBool(NAME, false)).code).toBe("T4_ERR_CONFIG_BAD_VALUE");
  });
});
