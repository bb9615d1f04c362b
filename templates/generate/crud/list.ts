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
  // one COUNT and one page query (only the COUNT past the last page); the schema above already checked both
  const { data, meta: { total } } = await {{Model}}.paginate({ page, perPage: limit, orderBy: "id" });
  return res.json({ data, page, limit, total, pages: Math.ceil(total / limit) });
}
