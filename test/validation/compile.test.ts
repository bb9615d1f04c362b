import { describe, expect, it } from "vitest";
import { fastValidate } from "../../runtime/validation/compile.js";
import { z } from "../../runtime/validation/zod.js";
import type { StandardSchema } from "../../runtime/validation/standard.js";

// fastValidate compiles zod schemas on first use; whatever path runs, the answers must be zod's own.
const Order = z.object({
  sku: z.string().regex(/^[A-Z]-\d+$/),
  qty: z.coerce.number().int().min(1),
  tags: z.array(z.string()).max(2).default([]),
  email: z.email(),
});

const cases: unknown[] = [
  { sku: "A-1", qty: "3", email: "a@b.co", extra: true },
  { sku: "a1", qty: 0, email: "nope", tags: ["x", "y", "z"] },
  { sku: "B-2", qty: 2, email: "c@d.io", tags: ["t"] },
  null,
  "text",
];

describe("fastValidate", () => {
  it("gives zod's own results (values, stripping, defaults, issues) for valid and invalid input", async () => {
    const fast = fastValidate(Order as unknown as StandardSchema);
    for (const input of cases) {
      const expected = await Order["~standard"].validate(structuredClone(input));
      // first call compiles, later calls use the compiled code: both must agree with zod
      expect(await fast(structuredClone(input))).toEqual(expected);
      expect(await fast(structuredClone(input))).toEqual(expected);
    }
  });

  it("zod schemas the compiler refuses (async refinements) still validate, asynchronously", async () => {
    const Async = z.object({ name: z.string() }).refine(async (value) => value.name !== "taken", { message: "name is taken", path: ["name"] });
    const fast = fastValidate(Async as unknown as StandardSchema);
    expect(await fast({ name: "free" })).toEqual({ value: { name: "free" } });
    expect(await fast({ name: "taken" })).toMatchObject({ issues: [{ message: "name is taken", path: ["name"] }] });
  });

  it("other validators are called as they are", () => {
    const seen: unknown[] = [];
    const schema: StandardSchema = { "~standard": { version: 1, vendor: "other", validate: (value) => (seen.push(value), { value }) } };
    expect(fastValidate(schema)(7)).toEqual({ value: 7 });
    expect(seen).toEqual([7]);
  });
});
