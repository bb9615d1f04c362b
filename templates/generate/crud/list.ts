import { modelSchema, z, type Response, type RouteRequest } from "tina4";
import {{Model}} from "{{modelImport}}";

export const meta = { summary: "List {{Model}} records, one page at a time", tags: ["{{Model}}"] };

export const schema = {
  query: z.object({
    page: z.coerce.number().int().min(1).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
  response: {
    200: z.object({
      data: z.array(modelSchema({{Model}}, "record")),
      page: z.number().int(),
      limit: z.number().int(),
      total: z.number().int(),
      pages: z.number().int(),
    }),
  },
};

/** GET {{urlPath}}?page=1&limit=20: one page of {{Model}} records and the total (limit ≤ 100, else 422). */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const { page, limit } = req.query;
  const [data, total] = await Promise.all([
    {{Model}}.all({ limit, offset: (page - 1) * limit, orderBy: "id" }),
    {{Model}}.count(),
  ]);
  return res.json({ data, page, limit, total, pages: Math.ceil(total / limit) });
}
