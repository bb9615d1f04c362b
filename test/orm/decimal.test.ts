/**
 * decimal fields without a database: what is accepted on write and how (text digit by digit,
 * numbers by their shortest form, no silent rounding), what drivers' values read back as, and
 * exact bounds beyond what a float can tell apart. The same cases against the four real
 * engines are in suite.ts.
 */
import { describe, expect, it } from "vitest";
import { Model, ModelError, type ModelFields } from "../../runtime/orm/index.js";
import { decimalFromDb, decimalInput, formatDecimal } from "../../runtime/orm/decimal.js";
import { dialectFor } from "../../runtime/db/dialects/index.js";
import type { Database } from "../../runtime/db/index.js";
import { coerceInput, fromDb, normalizeField, toDb, type FieldDefinition } from "../../runtime/orm/fields.js";
import { validateFields } from "../../runtime/orm/validation.js";

const money = { precision: 10, scale: 2 };
const field = (def: Partial<FieldDefinition> = {}) => normalizeField("Product", "price", { type: "decimal", ...def });
const problems = (def: Partial<FieldDefinition>, value: unknown) => validateFields([field(def)], { price: value }, true).map((e) => e.message);

describe("decimal input", () => {
  it("text in decimal notation and finite numbers become the canonical text with exactly `scale` decimals", () => {
    const cases: Array<[unknown, string]> = [
      ["19.5", "19.50"], ["19.50", "19.50"], ["19.500", "19.50"], ["-0.05", "-0.05"], ["0.1", "0.10"], [".5", "0.50"], ["7.", "7.00"],
      ["+3", "3.00"], ["007.10", "7.10"], ["  42.1 ", "42.10"], ["-0.00", "0.00"], ["99999999.99", "99999999.99"],
      [0.1, "0.10"], [19.5, "19.50"], [-0.05, "-0.05"], [7, "7.00"], [-0, "0.00"], [1234567.89, "1234567.89"], [12n, "12.00"],
    ];
    for (const [value, text] of cases) expect(decimalInput(value, money), String(value)).toMatchObject({ ok: true, text });
    expect(decimalInput("1234567890.00", { precision: 12, scale: 2 })).toMatchObject({ ok: true, text: "1234567890.00", units: 123456789000n });
    expect(decimalInput("5", { precision: 5, scale: 0 })).toMatchObject({ ok: true, text: "5" });
  });

  it("refuses, never rounds: more decimals than scale (0.1 + 0.2 too), more digits than precision, NaN, Infinity, exponents, anything else", () => {
    expect(decimalInput("19.505", money)).toEqual({ ok: false, message: "must have at most 2 decimals" });
    expect(decimalInput(0.1 + 0.2, money)).toEqual({ ok: false, message: "must have at most 2 decimals" });
    expect(decimalInput(1e-7, money)).toEqual({ ok: false, message: "must have at most 2 decimals" });
    expect(decimalInput("1.25", { precision: 4, scale: 1 })).toEqual({ ok: false, message: "must have at most 1 decimal" });
    expect(decimalInput("2.5", { precision: 4, scale: 0 })).toEqual({ ok: false, message: "must be a whole number" });
    expect(decimalInput("100000000.00", money)).toEqual({ ok: false, message: "must have at most 8 digits before the decimal point (decimal(10,2): up to 99999999.99)" });
    expect(decimalInput("-100000000", money)).toMatchObject({ ok: false });
    expect(decimalInput(1e21, money)).toMatchObject({ ok: false, message: expect.stringMatching(/at most 8 digits/) });
    expect(decimalInput("1.5", { precision: 2, scale: 2 })).toEqual({ ok: false, message: "must have no digits before the decimal point (decimal(2,2): up to 0.99)" });
    for (const bad of [Number.NaN, Infinity, -Infinity, "1e3", "1E-2", "12,50", "1 000", "abc", "", ".", "-", "0x10", true, null, {}, [], new Date()]) {
      expect(decimalInput(bad, money), String(bad)).toEqual({ ok: false, message: 'must be a decimal number like "19.50"' });
    }
    expect(decimalInput("x", { precision: 5, scale: 0 })).toEqual({ ok: false, message: 'must be a decimal number like "19"' });
  });

  it("fill() keeps invalid input as given, so validation reports it; toDb binds the canonical text", () => {
    const f = field(money);
    expect(coerceInput(f, "19.5")).toBe("19.50");
    expect(coerceInput(f, 0.1)).toBe("0.10");
    expect(coerceInput(f, "")).toBeNull();
    expect(coerceInput(f, "19.505")).toBe("19.505");
    expect(coerceInput(f, 0.1 + 0.2)).toBe(0.1 + 0.2);
    expect(toDb(f, 19.5)).toBe("19.50");
    expect(toDb(f, null)).toBeNull();
  });
});

describe("decimal values read from drivers", () => {
  it("strings digit by digit (beyond 2^53 too), numbers by their shortest form, exponents expanded, extra decimals rounded half away from zero", () => {
    const cases: Array<[unknown, number, string]> = [
      ["19.50", 2, "19.50"], ["19.5", 2, "19.50"], ["19.5000", 2, "19.50"], [19.5, 2, "19.50"], [20, 2, "20.00"], [-0.05, 2, "-0.05"],
      ["9999999999999999.99", 2, "9999999999999999.99"], ["-12345678901234567890123456.78", 2, "-12345678901234567890123456.78"],
      [9007199254740993n, 0, "9007199254740993"], [1e-7, 8, "0.00000010"], [1.5e21, 0, "1500000000000000000000"], ["1.5E+3", 1, "1500.0"],
      [0.125, 2, "0.13"], [-0.125, 2, "-0.13"], [0.30000000000000004, 2, "0.30"], ["2.345", 2, "2.35"], ["-2.344", 2, "-2.34"], [0.001, 2, "0.00"],
    ];
    for (const [raw, scale, text] of cases) expect(decimalFromDb(raw, scale), `${String(raw)} @${scale}`).toBe(text);
    expect(decimalFromDb("not a number", 2)).toBeNull();
    expect(fromDb(field(money), Buffer.from("3.1"), "mysql")).toBe("3.10");
    expect(fromDb(field(money), "junk", "sqlite")).toBe("junk");
    expect(fromDb(field(money), null, "postgres")).toBeNull();
  });
});

describe("decimal validation and definitions", () => {
  it("min and max are compared exactly, also where floats cannot tell the values apart", () => {
    const wide = { precision: 18, scale: 2, min: "-9999999999999999.98", max: "9999999999999999.98" };
    // as floats these are all 1e16: a float compare would let them through
    expect(Number("9999999999999999.99")).toBe(Number("9999999999999999.98"));
    expect(problems(wide, "9999999999999999.99")).toEqual(["must be at most 9999999999999999.98"]);
    expect(problems(wide, "-9999999999999999.99")).toEqual(["must be at least -9999999999999999.98"]);
    expect(problems(wide, "9999999999999999.98")).toEqual([]);
    expect(problems({ ...money, min: 0, max: 100 }, "-0.01")).toEqual(["must be at least 0.00"]);
    expect(problems({ ...money, min: "0.01" }, 0)).toEqual(["must be at least 0.01"]);
    expect(problems({ ...money, max: 100 }, "100.00")).toEqual([]);
    expect(problems({ ...money, max: 100 }, 100.01)).toEqual(["must be at most 100.00"]);
    expect(problems({ ...money, required: true }, null)).toEqual(["is required"]);
    expect(problems(money, 0.1 + 0.2)).toEqual(["must have at most 2 decimals"]);
  });

  it("defaults to decimal(12,2); a bad size or bound is T4_ERR_ORM_DEFINITION naming the field", () => {
    expect(field().decimal).toEqual({ precision: 12, scale: 2, min: null, max: null });
    expect(field({ precision: 6, scale: 4, min: 0, max: "1" }).decimal).toEqual({ precision: 6, scale: 4, min: 0n, max: 10000n });
    const refused: Array<[Partial<FieldDefinition>, RegExp]> = [
      [{ precision: 0 }, /precision must be a whole number from 1 to 38, got 0/],
      [{ precision: 39 }, /precision must be a whole number from 1 to 38/],
      [{ precision: 10.5 }, /precision must be a whole number/],
      [{ precision: 10, scale: 11 }, /scale must be a whole number from 0 to precision \(10\), got 11/],
      [{ precision: 1 }, /scale must be .* got 2 \(the default\): give scale/],
      [{ scale: -1 }, /scale must be a whole number/],
      [{ min: "abc" }, /min "abc" must be a decimal number/],
      [{ max: "1.001" }, /max "1.001" must have at most 2 decimals/],
      [{ min: 10, max: 5 }, /min 10 is larger than max 5/],
    ];
    for (const [def, message] of refused) {
      let error: unknown;
      try {
        field(def);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(def)).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe("T4_ERR_ORM_DEFINITION");
      expect((error as Error).message).toMatch(/^Product\.fields\.price: /);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => normalizeField("Product", "weight", { type: "float", precision: 10 })).toThrow(/precision and scale apply to decimal fields only/);
    expect(() => normalizeField("Product", "weight", { type: "int", min: "1" })).toThrow(/min must be a number \(text bounds are for decimal fields\)/);
  });

  it("a record holds the canonical text: from fill(), and after save() for a value set directly", () => {
    class Item extends Model {
      static override tableName = "items";
      static override fields: ModelFields = { id: { type: "int", primaryKey: true }, price: { type: "decimal", precision: 8, scale: 2, default: "0" } };
      declare id: number;
      declare price: string;
    }
    expect(new Item().price).toBe("0.00");
    expect(new Item({ price: 19.5 }).price).toBe("19.50");
    expect(new Item({ price: "19.5" }).toJSON()).toEqual({ id: null, price: "19.50" });
    expect(new Item({ price: "1.999" }).validate()).toEqual([{ field: "price", message: "must have at most 2 decimals" }]);
  });
});

describe("engines that hand decimals over as JavaScript numbers (SQLite's REAL, SQL Server's driver)", () => {
  /** What tedious does with a DECIMAL(p,s) it receives: the integer of units divided by 10^scale. */
  const asTediousReadsIt = (units: bigint, scale: number) => Number(units) / 10 ** scale;

  it("read back exactly up to 15 digits, the limit their dialects state; 16 digits would not be", () => {
    let seed = 42n;
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 63n);
    for (const scale of [0, 2, 4]) {
      for (let i = 0; i < 2000; i++) {
        const units = (next() % 10n ** 15n) * (i % 2 === 0 ? 1n : -1n);
        expect(decimalFromDb(asTediousReadsIt(units, scale), scale)).toBe(formatDecimal(units, scale));
      }
    }
    expect(decimalFromDb(asTediousReadsIt(9999999999999999n, 2), 2)).not.toBe("99999999999999.99");
    expect(dialectFor("mssql").exactDecimal.digits).toBe(15);
    expect(dialectFor("sqlite").exactDecimal.digits).toBe(15);
    expect(dialectFor("firebird").exactDecimal.digits).toBe(18);
    expect(dialectFor("mssql").decimalType(15, 2)).toBe("DECIMAL(15,2)");
  });

  it("a model refuses a wider field on SQL Server before it touches the database", async () => {
    class Ledger extends Model {
      static override tableName = "ledgers";
      static override fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, amount: { type: "decimal", precision: 16, scale: 2 } };
    }
    class ShortLedger extends Model {
      static override tableName = "ledgers";
      static override fields: ModelFields = { id: { type: "int", primaryKey: true, autoIncrement: true }, amount: { type: "decimal", precision: 15, scale: 2 } };
    }
    // a stand-in with only the engine: any query would fail with a TypeError, not a ModelError
    const mssql = { engine: "mssql" } as unknown as Database;
    Ledger.useDatabase(mssql);
    ShortLedger.useDatabase(mssql);
    for (const attempt of [Ledger.create({ amount: "1.00" }), Ledger.find(1), Ledger.where("amount > ?", ["1.00"])]) {
      const error = await attempt.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as Error).message).toBe(
        "Ledger.fields.amount: decimal(16,2) has more digits than mssql keeps exactly (15: tedious, the SQL Server driver, reads DECIMAL values as JavaScript numbers, exact to 15 digits); use precision 15 or less",
      );
    }
    const within = await ShortLedger.find(1).then(() => null, (e: unknown) => e);
    expect(within).toBeInstanceOf(TypeError);
  });
});
