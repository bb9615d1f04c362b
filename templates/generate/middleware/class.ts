import type { Request, Response } from "tina4";

/**
 * {{Name}} middleware. Every static `before*` hook runs before the route (return false,
 * end the response or set a status >= 400 to stop there); every `after*` hook runs after,
 * always. Hooks may be async; each is awaited.
 */
export default class {{Name}} {
  static async beforeRequest(req: Request, res: Response): Promise<void> {
    // e.g. if (!req.headers.authorization) res.json({ error: "Unauthorized" }, 401);
  }

  static async afterRequest(req: Request, res: Response): Promise<void> {
    // e.g. res.header("x-handled-by", "{{Name}}");
  }
}
