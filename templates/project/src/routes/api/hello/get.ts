import type { Request, Response } from "tina4";

/** GET /api/hello */
export default async function hello(_req: Request, res: Response) {
  return res.json({ message: "Hello from tina4!" });
}

export const meta = { summary: "Says hello", tags: ["example"] };
