import { z, type Response, type RouteRequest } from "tina4";
import {{Model}} from "{{modelImport}}";

export const meta = { summary: "Delete {{aModel}}", tags: ["{{Model}}"] };

export const schema = {
  params: z.object({ id: z.number().int() }),
  response: { 404: z.object({ error: z.string(), id: z.number() }) },
};

// Secured by default, like every POST/PUT/PATCH/DELETE route: 401 without a user (a Bearer
// token or a logged-in session, see docs/auth.md). `export const secured = false;` opens it.
/** DELETE {{urlPath}}/{id}: delete {{aModel}}; 204, or 404 when missing. */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const record = await {{Model}}.find(req.params.id);
  if (!record) return res.json({ error: "{{Model}} not found", id: req.params.id }, 404);
  await record.delete();
  return res.status(204);
}
