// The validation benchmark's request: POST /api/orders with a 10-field JSON body, the same
// rules written as a zod schema (tina4) and as a JSON Schema (Fastify/ajv), and the answer.

export const ORDER_PATH = "/api/orders";

export const ORDER = {
  name: "Widget",
  sku: "W-1001",
  price: 19.99,
  quantity: 3,
  inStock: true,
  category: "tools",
  email: "buyer@example.com",
  tags: ["blue", "steel"],
  rating: 4.5,
  notes: "Leave at the door",
};
export const ORDER_BODY = JSON.stringify(ORDER);

/** What every server answers: a little work on the validated fields. */
export function receipt(order) {
  return { ok: true, sku: order.sku, total: Math.round(order.price * order.quantity * 100) / 100 };
}
export const RECEIPT_BODY = JSON.stringify(receipt(ORDER));

/** An invalid order (price negative, email malformed): validating servers must refuse it. */
export const BAD_ORDER_BODY = JSON.stringify({ ...ORDER, price: -1, email: "nope" });

/** The rules as zod (given tina4's `z`). */
export function zodOrder(z) {
  return z.object({
    name: z.string().min(1).max(100),
    sku: z.string().regex(/^[A-Z]-\d+$/),
    price: z.number().positive(),
    quantity: z.number().int().min(1).max(1000),
    inStock: z.boolean(),
    category: z.enum(["tools", "toys", "food"]),
    email: z.email(),
    tags: z.array(z.string().max(20)).max(10),
    rating: z.number().min(0).max(5),
    notes: z.string().max(500).optional(),
  });
}

/** The same rules as JSON Schema (Fastify compiles it with ajv; unknown keys removed, as zod strips them). */
export const ORDER_JSON_SCHEMA = {
  type: "object",
  required: ["name", "sku", "price", "quantity", "inStock", "category", "email", "tags", "rating"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 100 },
    sku: { type: "string", pattern: "^[A-Z]-\\d+$" },
    price: { type: "number", exclusiveMinimum: 0 },
    quantity: { type: "integer", minimum: 1, maximum: 1000 },
    inStock: { type: "boolean" },
    category: { type: "string", enum: ["tools", "toys", "food"] },
    email: { type: "string", format: "email" },
    tags: { type: "array", maxItems: 10, items: { type: "string", maxLength: 20 } },
    rating: { type: "number", minimum: 0, maximum: 5 },
    notes: { type: "string", maxLength: 500 },
  },
};
