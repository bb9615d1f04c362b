import type { Request, Response } from "tina4";

/** GET /plaintext: TFB test type 6. */
export default function (req: Request, res: Response) {
  return res.text("Hello, World!");
}
