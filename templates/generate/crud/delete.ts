import type { Request, Response } from "tina4";
import {{Model}} from "{{modelImport}}";

/** DELETE {{urlPath}}/{id}: delete a {{Model}}; 204, or 404 when missing. */
export default async function (req: Request<{ id: number }>, res: Response) {
  const record = await {{Model}}.find(req.params.id);
  if (!record) return res.json({ error: "{{Model}} not found", id: req.params.id }, 404);
  await record.delete();
  return res.status(204);
}
