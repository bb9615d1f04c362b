import type { Request, Response } from "tina4";
import { database } from "../../lib/db.js";
import { html } from "../../lib/html.js";

type Fortune = { id: number; message: string };

/**
 * GET /fortunes: TFB test type 4. Rendered with the tagged-template escaper of lib/html.ts
 * (a stand-in until tina4 has templates).
 */
export default async function (req: Request, res: Response) {
  const db = await database();
  const { records } = await db.fetch<Fortune>("SELECT id, message FROM fortune");
  const fortunes: Fortune[] = [...records, { id: 0, message: "Additional fortune added at request time." }];
  fortunes.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return res.html(
    html`<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${fortunes.map(
      (f) => html`<tr><td>${f.id}</td><td>${f.message}</td></tr>`,
    )}</table></body></html>`.text,
  );
}
