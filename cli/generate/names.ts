import { CliError, CliErrorCode } from "../errors.js";

const bad = (message: string) => new CliError(message, CliErrorCode.BAD_NAME);

const TS_RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if import in " +
    "instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private " +
    "protected public static yield any boolean constructor declare get module require number set string symbol type from of await async " +
    "undefined never unknown object bigint").split(" "),
);

/** `hello world`, `helloWorld`, `hello-world` → ["hello", "world"]. ASCII letters and digits only. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export const pascalCase = (text: string) => words(text).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
export const camelCase = (text: string) => {
  const pascal = pascalCase(text);
  return pascal ? pascal[0]!.toLowerCase() + pascal.slice(1) : pascal;
};
export const snakeCase = (text: string) => words(text).join("_");

function checkPlain(kind: string, text: string): void {
  if (typeof text !== "string" || text.trim() === "") throw bad(`${kind} must not be empty`);
  if (/[\\/]|\.\./.test(text)) throw bad(`${kind} "${text}" must not contain path separators or ".."`);
  if (/[^\x20-\x7e]/.test(text)) throw bad(`${kind} "${text}" must use ASCII letters, digits, "-" or "_"`);
}

/** A class name for a model or middleware: valid TypeScript identifier in PascalCase. */
export function className(kind: string, text: string): string {
  checkPlain(kind, text);
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(text)) throw bad(`${kind} "${text}" must start with a letter and contain only letters, digits, "-" or "_"`);
  const name = pascalCase(text);
  if (TS_RESERVED.has(name.toLowerCase())) throw bad(`${kind} "${text}" is a reserved word in TypeScript`);
  return name;
}

/** A migration description → snake_case file-name part. */
export function migrationSlug(text: string): string {
  checkPlain("Migration description", text);
  if (!/^[A-Za-z0-9][A-Za-z0-9 _-]*$/.test(text)) throw bad(`Migration description "${text}" may contain only letters, digits, spaces, "-" or "_"`);
  return snakeCase(text);
}

/**
 * A route path for `generate route`: `products`, `api/products/[id:int]`. Each segment is a
 * lower-case slug or a `[param]` / `[param:type]` / `[...rest]` folder.
 */
export function routeSegments(text: string): string[] {
  if (typeof text !== "string" || text.trim() === "") throw bad("Route path must not be empty");
  if (text.includes("\\") || text.split("/").includes("..") || text.split("/").includes(".")) throw bad(`Route path "${text}" must not contain "..", "." or backslashes`);
  if (/[^\x20-\x7e]/.test(text)) throw bad(`Route path "${text}" must use ASCII characters`);
  const segments = text.split("/").filter(Boolean);
  if (segments.length === 0) throw bad("Route path must name at least one segment");
  for (const segment of segments) {
    const ok = /^[a-z0-9][a-z0-9_.-]*$/.test(segment) || /^\[(\.\.\.)?[A-Za-z_][A-Za-z0-9_]*(:(int|float|alpha|alnum|slug|uuid|path))?\]$/.test(segment);
    if (!ok) throw bad(`Route segment "${segment}" must be lower-case letters, digits, "-", "_" or a [param], [param:type], [...rest] folder`);
  }
  return segments;
}

const IRREGULAR: Record<string, string> = {
  person: "people", man: "men", woman: "women", child: "children", tooth: "teeth", foot: "feet", mouse: "mice",
  goose: "geese", ox: "oxen", leaf: "leaves", loaf: "loaves", thief: "thieves", datum: "data", medium: "media", criterion: "criteria", analysis: "analyses", index: "indices",
};
const UNCOUNTABLE = new Set(["news", "series", "species", "sheep", "fish", "deer", "equipment", "information", "rice", "money", "data", "media", "metadata", "feedback", "software", "staff"]);

/** English plural of the last word: person → people, category → categories, status → statuses, news → news. */
export function pluralize(word: string): string {
  const lower = word.toLowerCase();
  if (UNCOUNTABLE.has(lower)) return word;
  if (IRREGULAR[lower]) return IRREGULAR[lower]!;
  if (/(s|x|z|ch|sh)$/.test(lower)) return word + "es";
  if (/[^aeiou]y$/.test(lower)) return word.slice(0, -1) + "ies";
  if (/(?:[^f]fe|[lr]f)$/.test(lower)) return word.replace(/fe?$/, "ves");
  if (/[^aeiou]o$/.test(lower) && !/(photo|piano|halo|memo|logo|video|zero|auto|pro|demo|info)$/.test(lower)) return word + "es";
  return word + "s";
}

/** Model class name → table name: snake_case with the last word pluralised (OrderItem → order_items). */
export function tableName(model: string): string {
  const parts = words(model);
  parts[parts.length - 1] = pluralize(parts[parts.length - 1]!);
  // an SQL keyword (values, groups, ...) is fine: the migration quotes it and the ORM quotes every name
  return parts.join("_");
}
