/**
 * Exact decimal values for `decimal` fields. A value is held as a bigint count of 10^-scale
 * units (19.50 at scale 2 → 1950n), so comparing, range checks and formatting never pass
 * through a binary float; the canonical text has exactly `scale` decimals ("19.50", "-0.05").
 */

/** DECIMAL(precision, scale): `precision` digits in all, `scale` of them after the point. */
export interface DecimalShape {
  precision: number;
  scale: number;
}

export type DecimalInput = { ok: true; units: bigint; text: string } | { ok: false; message: string };

interface Digits {
  negative: boolean;
  /** Digits before the point (may be ""). */
  whole: string;
  /** Digits after the point (may be ""). */
  fraction: string;
}

/** Plain decimal notation, as users write amounts: no exponent, no grouping. */
const PLAIN = /^([+-]?)(\d*)(?:\.(\d*))?$/;
/** What String(number) and some drivers give: an optional exponent. */
const WITH_EXPONENT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

function digitsOf(text: string, pattern: RegExp): Digits | null {
  const match = pattern.exec(text.trim());
  if (!match) return null;
  let whole = match[2] ?? "";
  let fraction = match[3] ?? "";
  if (whole === "" && fraction === "") return null;
  const exponent = Number(match[4] ?? 0);
  if (exponent > 0) {
    // move the point right: 1.5e3 → 1500
    fraction = fraction.padEnd(exponent, "0");
    whole += fraction.slice(0, exponent);
    fraction = fraction.slice(exponent);
  } else if (exponent < 0) {
    // move the point left: 1.5e-7 → 0.00000015
    whole = whole.padStart(-exponent, "0");
    fraction = whole.slice(whole.length + exponent) + fraction;
    whole = whole.slice(0, whole.length + exponent);
  }
  return { negative: match[1] === "-", whole: whole.replace(/^0+/, ""), fraction: fraction.replace(/0+$/, "") };
}

/** The digits of a JavaScript number in its shortest round-trip form (0.1 → "0.1", not 0.1000000000000000055…). */
function digitsOfNumber(value: number): Digits | null {
  if (!Number.isFinite(value)) return null;
  return digitsOf(String(value), WITH_EXPONENT);
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Units at `scale`; more decimals than `scale` are rounded half away from zero, or refused (null). */
function toUnits(d: Digits, scale: number, round: boolean): bigint | null {
  let fraction = d.fraction;
  let carry = 0n;
  if (fraction.length > scale) {
    if (!round) return null;
    carry = fraction.charCodeAt(scale) >= 0x35 /* "5" */ ? 1n : 0n;
    fraction = fraction.slice(0, scale);
  }
  const magnitude = BigInt((d.whole || "0") + fraction.padEnd(scale, "0")) + carry;
  return d.negative ? -magnitude : magnitude;
}

/** Canonical text of `units` at `scale`: "-0.05", "19.50", "1234567890.00" (never "-0.00"). */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** An example of the canonical form for messages: 19.50 at scale 2, 19 at scale 0. */
function example(shape: DecimalShape): string {
  const before = shape.precision - shape.scale;
  const whole = before >= 2 ? 19n : before === 1 ? 9n : 0n;
  const half = shape.scale > 0 ? 5n * pow10(shape.scale - 1) : 0n;
  return formatDecimal(whole * pow10(shape.scale) + half, shape.scale);
}

/** The largest value of the shape: 99999999.99 for DECIMAL(10,2). */
export function largestDecimal(shape: DecimalShape): bigint {
  return pow10(shape.precision) - 1n;
}

/**
 * What a user may write to a decimal field: text in plain decimal notation ("19.5", "-0.05",
 * "1234.500"; no exponent) or a finite number, taken by its shortest decimal form (0.1 → "0.10").
 * More significant decimals than `scale` (0.1 + 0.2 = 0.30000000000000004, "19.505") or more
 * digits than `precision` are refused with a message, never rounded.
 */
export function decimalInput(value: unknown, shape: DecimalShape): DecimalInput {
  let digits: Digits | null = null;
  if (typeof value === "string") digits = digitsOf(value, PLAIN);
  else if (typeof value === "number") digits = digitsOfNumber(value);
  else if (typeof value === "bigint") digits = digitsOf(value.toString(), PLAIN);
  if (digits === null) return { ok: false, message: `must be a decimal number like "${example(shape)}"` };
  const units = toUnits(digits, shape.scale, false);
  if (units === null) {
    return { ok: false, message: shape.scale === 0 ? "must be a whole number" : `must have at most ${shape.scale} decimal${shape.scale === 1 ? "" : "s"}` };
  }
  const largest = largestDecimal(shape);
  if (units > largest || units < -largest) {
    const before = shape.precision - shape.scale;
    const limit = `decimal(${shape.precision},${shape.scale}): up to ${formatDecimal(largest, shape.scale)}`;
    return { ok: false, message: before === 0 ? `must have no digits before the decimal point (${limit})` : `must have at most ${before} digit${before === 1 ? "" : "s"} before the decimal point (${limit})` };
  }
  return { ok: true, units, text: formatDecimal(units, shape.scale) };
}

/**
 * A value a driver returned for a decimal column → the canonical text at `scale`: strings
 * (PostgreSQL, MySQL/MariaDB, Firebird's 64-bit NUMERIC) are read digit by digit, numbers
 * (SQLite, Firebird's NUMERIC up to 9 digits, SQL Server) by their shortest decimal form.
 * A column holding more decimals than the field's scale is rounded half away from zero.
 * Null when the value is not a number at all.
 */
export function decimalFromDb(value: unknown, scale: number): string | null {
  let digits: Digits | null = null;
  if (typeof value === "string") digits = digitsOf(value, WITH_EXPONENT);
  else if (typeof value === "number") digits = digitsOfNumber(value);
  else if (typeof value === "bigint") digits = digitsOf(value.toString(), PLAIN);
  if (digits === null) return null;
  return formatDecimal(toUnits(digits, scale, true)!, scale);
}
