import type { Request, Response } from "tina4";
import {{Model}} from "{{modelImport}}";

/** POST {{urlPath}}: create a {{Model}}; 201 with the record, 422 listing every invalid field. */
export default async function (req: Request, res: Response) {
  const record = await {{Model}}.create(req.body);
  return res.json(record, 201);
}
