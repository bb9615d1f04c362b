import { modelSchema, z, type Response, type RouteRequest } from "tina4";
import {{Model}} from "{{modelImport}}";

export const meta = { summary: "Get {{aModel}}", tags: ["{{Model}}"] };

export const schema = {
  params: z.object({ id: z.number().int() }),
  response: { 200: modelSchema({{Model}}, "record"), 404: z.object({ error: z.string(), id: z.number() }) },
};

/** GET {{urlPath}}/{id}: one {{Model}}, 404 when missing. */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const record = await {{Model}}.find(req.params.id);
  if (!record) return res.json({ error: "{{Model}} not found", id: req.params.id }, 404);
  return res.json(record);
}
