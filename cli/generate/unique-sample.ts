/**
 * Values for a model's unique fields in the tests `generate route --model` writes. A test that
 * makes two records from one sample would send the same email twice and fail on the column's
 * unique index, so such tests call `fresh()`: the sample with each unique field made distinct
 * by a random tag of the test run and a counter (so not even an earlier run's records collide),
 * kept within the field's length and range rules.
 */
import type { ModelField } from "./crud-test.js";

/** Text in a template literal: backslashes, backticks and `${` kept as written. */
function inTemplate(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}

/** Whole numbers lo..hi, a different one per record: `lo + (seed + made) % span`. */
function counter(lo: number, hi: number): string {
  const step = `(seed + made) % ${hi - lo + 1}`;
  return lo === 0 ? step : `${lo} + (${step})`;
}

/** The largest whole number the generated counters use: within every engine's INTEGER. */
const TOP = 2_000_000_000;

/** A TypeScript expression giving a new value of `field` per record (`tag`, `seed` and `made` are in scope); `base` is its sample. */
export function uniqueValue(field: ModelField, base: unknown): string {
  switch (field.type) {
    case "string":
    case "text": {
      const max = field.maxLength ?? Infinity;
      const text = `\`${inTemplate(String(base))}-\${tag}\${made}\``;
      // the tag and counter at the end survive a cut to the column's length
      return String(base).length + 12 <= max ? text : `${text}.slice(-${max})`;
    }
    case "int":
    case "float": {
      const lo = Math.ceil(field.min ?? 1);
      const hi = Math.floor(field.max ?? TOP);
      return hi >= lo ? counter(lo, Math.min(hi, lo + TOP)) : JSON.stringify(base);
    }
    case "decimal": {
      const rules = field.decimal!;
      const largest = 10n ** BigInt(rules.precision) - 1n;
      const lo = rules.min !== null && rules.min > 0n ? rules.min : 0n;
      const hiUnits = rules.max !== null && rules.max < largest ? rules.max : largest;
      const hi = hiUnits - lo > BigInt(TOP) ? lo + BigInt(TOP) : hiUnits;
      if (hi < lo) return JSON.stringify(base);
      return `((${counter(Number(lo), Number(hi))}) / ${10 ** rules.scale}).toFixed(${rules.scale})`;
    }
    case "datetime":
      return `new Date(Date.UTC(2026, 0, 2) + ((seed + made) % ${TOP}) * 1000).toISOString()`;
    case "bool":
      return "made % 2 === 0";
    case "json":
      return "{ sample: `${tag}${made}` }";
  }
}

/**
 * The `fresh()` helper the tests' setup gets when `unique` is not empty ("" otherwise):
 * `sample` with a new value of each unique field per call.
 */
export function freshHelper(model: string, unique: ReadonlyArray<{ field: ModelField; base: unknown }>): string {
  if (unique.length === 0) return "";
  const names = unique.map(({ field }) => field.property).join(", ");
  return [
    "",
    "",
    `/**`,
    ` * A new valid ${model} per call. Unique: ${names}. Each record gets its own value of them`,
    ` * (this run's random tag and a counter), so records never collide, not even with an earlier run's.`,
    ` */`,
    "const tag = Math.random().toString(36).slice(2, 8);",
    "const seed = Math.floor(Math.random() * 1e9);",
    "let made = 0;",
    "function fresh() {",
    "  made += 1;",
    `  return { ...sample, ${unique.map(({ field, base }) => `${field.property}: ${uniqueValue(field, base)}`).join(", ")} };`,
    "}",
  ].join("\n");
}
