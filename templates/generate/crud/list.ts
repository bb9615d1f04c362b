import type { Request, Response } from "tina4";
import {{Model}} from "{{modelImport}}";

/** GET {{urlPath}}?page=1&limit=20: one page of {{Model}} records and the total. */
export default async function (req: Request, res: Response) {
  const page = Math.max(1, Math.floor(Number(req.query.page ?? 1)) || 1);
  const limit = Math.min(100, Math.max(1, Math.floor(Number(req.query.limit ?? 20)) || 20));
  const [data, total] = await Promise.all([
    {{Model}}.all({ limit, offset: (page - 1) * limit, orderBy: "id" }),
    {{Model}}.count(),
  ]);
  return res.json({ data, page, limit, total, pages: Math.ceil(total / limit) });
}
