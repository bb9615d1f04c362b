import { expect } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";

/** Validates against the OpenAPI 3.1 schema and resolves every $ref (throws on a dangling one). */
export async function expectValidOpenApi(doc: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc) as Parameters<Validator["validate"]>[0]);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
  expect(() => validator.resolveRefs()).not.toThrow();
}
