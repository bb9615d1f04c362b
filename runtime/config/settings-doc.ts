import { SECTIONS, SETTINGS, expectedForm, type SettingSpec } from "./settings.js";

/** The markers between which docs/configuration.md holds the generated table. */
export const DOC_BEGIN = "<!-- settings:begin (generated from runtime/config/settings.ts by scripts/gen-config-doc.mjs; do not edit) -->";
export const DOC_END = "<!-- settings:end -->";

function defaultText(spec: SettingSpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  if (spec.type === "list") return "none";
  const value: unknown = "default" in spec ? spec.default : undefined;
  if (value === undefined) return "none";
  if (value !== null && typeof value === "object" && "dev" in value && "production" in value) return `\`${String(value.dev)}\` dev, \`${String(value.production)}\` production`;
  return `\`${String(value)}\``;
}

/** The generated Markdown: one table per section, in the order of SECTIONS. */
export function renderSettingsTables(): string {
  const entries = Object.entries(SETTINGS) as [string, SettingSpec][];
  const parts: string[] = [];
  for (const section of SECTIONS) {
    const rows = entries.filter(([, spec]) => spec.section === section);
    if (rows.length === 0) continue;
    parts.push(`### ${section}`, "", "| Variable | Form | Default | Meaning |", "|---|---|---|---|");
    for (const [name, spec] of rows) parts.push(`| \`${name}\` | ${expectedForm(spec)} | ${defaultText(spec)} | ${spec.doc.replace(/\|/g, "\\|")} |`);
    parts.push("");
  }
  return parts.join("\n").trimEnd();
}

/** `doc` with the text between the markers replaced by the generated tables (markers appended when absent). */
export function withSettingsTables(doc: string): string {
  const block = `${DOC_BEGIN}\n${renderSettingsTables()}\n${DOC_END}`;
  const begin = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  if (begin === -1 || end === -1 || end < begin) return `${doc.trimEnd()}\n\n## All settings\n${block}\n`;
  return doc.slice(0, begin) + block + doc.slice(end + DOC_END.length);
}
