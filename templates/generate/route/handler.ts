import type { Request, Response } from "tina4";

/** {{METHOD}} {{urlPath}} */
export default async function (req: Request, res: Response) {
  return res.json({ method: req.method, path: req.path, params: req.params }, {{status}});
}
