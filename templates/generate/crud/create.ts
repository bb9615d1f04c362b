import { modelSchema, type Response, type RouteRequest } from "tina4";
import {{Model}} from "{{modelImport}}";

export const meta = { summary: "Create {{aModel}}", tags: ["{{Model}}"] };

// Derived from {{Model}}'s fields: the body is validated (422 listing every invalid field)
// and documented in /openapi.json before the handler runs; unknown keys are stripped, and
// guarded fields (the id, hidden ones, created_at/updated_at, `guarded: true`) are a 422:
// a client never sets them. Set them here if the server should: create({ ...req.body, ownerId }).
export const schema = {
  body: modelSchema({{Model}}, "create"),
  response: { 201: modelSchema({{Model}}, "record") },
};

// Secured by default, like every POST/PUT/PATCH/DELETE route: 401 without a user (a Bearer
// token or a logged-in session, see docs/auth.md). `export const secured = false;` opens it.
/** POST {{urlPath}}: create {{aModel}}; 201 with the record. */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const record = await {{Model}}.create(req.body);
  return res.json(record, 201);
}
