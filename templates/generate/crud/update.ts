import type { Request, Response } from "tina4";
import {{Model}} from "{{modelImport}}";

/** {{METHOD}} {{urlPath}}/{id}: update a {{Model}}; 404 when missing, 422 listing every invalid field. */
export default async function (req: Request<{ id: number }>, res: Response) {
  const record = await {{Model}}.find(req.params.id);
  if (!record) return res.json({ error: "{{Model}} not found", id: req.params.id }, 404);
  record.fill(req.body);
  await record.save();
  return res.json(record);
}
