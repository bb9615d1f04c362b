import type { DecimalRules, Field } from "./fields.js";
import type { FieldError } from "./errors.js";
import { decimalInput, formatDecimal } from "./decimal.js";

/** Every failing field of `values` (property → value), in field order. */
export function validateFields(fields: readonly Field[], values: Record<string, unknown>, isNew: boolean): FieldError[] {
  const errors: FieldError[] = [];
  for (const f of fields) {
    const value = values[f.property];
    const d = f.def;
    const fail = (message: string) => errors.push({ field: f.property, message });
    if (value === undefined || value === null) {
      // generated keys: autoIncrement by the database, a new int key by getNextId
      if (d.primaryKey && (d.autoIncrement || (isNew && f.type === "int"))) continue;
      if (d.required) fail("is required");
      continue;
    }
    switch (f.type) {
      case "string":
      case "text": {
        if (typeof value !== "string") {
          fail("must be a string");
          break;
        }
        if (d.required && value.trim() === "") {
          fail("is required");
          break;
        }
        const length = [...value].length;
        if (d.minLength !== undefined && length < d.minLength) fail(`must be at least ${d.minLength} characters`);
        else if (d.maxLength !== undefined && length > d.maxLength) fail(`must be at most ${d.maxLength} characters`);
        else if (f.pattern && !matches(f.pattern, value)) fail(`must match ${String(f.pattern)}`);
        break;
      }
      case "int":
      case "float": {
        const ok = typeof value === "number" && (f.type === "int" ? Number.isSafeInteger(value) : Number.isFinite(value));
        if (!ok) {
          fail(f.type === "int" ? "must be a whole number" : "must be a number");
          break;
        }
        if (typeof d.min === "number" && (value as number) < d.min) fail(`must be at least ${d.min}`);
        else if (typeof d.max === "number" && (value as number) > d.max) fail(`must be at most ${d.max}`);
        break;
      }
      case "decimal": {
        const problem = decimalProblem(f.decimal!, value);
        if (problem !== null) fail(problem);
        break;
      }
      case "bool":
        if (typeof value !== "boolean") fail("must be true or false");
        break;
      case "datetime":
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail("must be a valid date and time (ISO 8601)");
        break;
      case "json":
        try {
          if (JSON.stringify(value) === undefined) fail("must be a JSON value");
        } catch {
          fail("must be a JSON value");
        }
        break;
    }
  }
  return errors;
}

function matches(pattern: RegExp, value: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(value);
}

/** Why `value` does not fit a decimal field (format, scale, precision, min/max), or null when it does. */
export function decimalProblem(rules: DecimalRules, value: unknown): string | null {
  const parsed = decimalInput(value, rules);
  if (!parsed.ok) return parsed.message;
  // bounds compared as exact integers of 10^-scale units, never as floats
  if (rules.min !== null && parsed.units < rules.min) return `must be at least ${formatDecimal(rules.min, rules.scale)}`;
  if (rules.max !== null && parsed.units > rules.max) return `must be at most ${formatDecimal(rules.max, rules.scale)}`;
  return null;
}
