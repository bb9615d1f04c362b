import { modelSchema, z, type Response, type RouteRequest } from "tina4";
import {{Model}} from "{{modelImport}}";

export const meta = { summary: "Update {{aModel}}", tags: ["{{Model}}"] };

// Derived from {{Model}}'s fields, every one optional: send only what changes. Guarded
// fields (the id, hidden ones, created_at/updated_at, `guarded: true`) are a 422.
export const schema = {
  params: z.object({ id: z.number().int() }),
  body: modelSchema({{Model}}, "update"),
  response: { 200: modelSchema({{Model}}, "record"), 404: z.object({ error: z.string(), id: z.number() }) },
};

// Secured by default, like every POST/PUT/PATCH/DELETE route: 401 without a user (a Bearer
// token or a logged-in session, see docs/auth.md). `export const secured = false;` opens it.
/** {{METHOD}} {{urlPath}}/{id}: update {{aModel}}; 404 when missing, 422 listing every invalid field. */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const record = await {{Model}}.find(req.params.id);
  if (!record) return res.json({ error: "{{Model}} not found", id: req.params.id }, 404);
  record.fill(req.body);
  await record.save();
  return res.json(record);
}
