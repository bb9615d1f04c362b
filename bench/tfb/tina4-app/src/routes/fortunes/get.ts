import type { Request, Response } from "tina4";
import { database } from "../../lib/db.js";

type Fortune = { id: number; message: string };

/** GET /fortunes: TFB test type 4, rendered by src/templates/fortunes.twig (auto-escaped). */
export default async function (req: Request, res: Response) {
  const db = await database();
  const { records } = await db.fetch<Fortune>("SELECT id, message FROM fortune");
  const fortunes: Fortune[] = [...records, { id: 0, message: "Additional fortune added at request time." }];
  fortunes.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return res.render("fortunes", { fortunes });
}
