import type { Request, Response } from "tina4";
import User from "{{userImport}}";
import { authSession, meLimit } from "{{guardImport}}";

export const secured = true;
export const middleware = [meLimit, authSession];
export const meta = { summary: "The logged-in user", tags: ["auth"] };

/** GET /auth/me → {user} for a Bearer token or a logged-in session; 401 otherwise (or when the user is gone). */
export default async function (req: Request, res: Response) {
  const id = Number(req.user?.sub);
  const user = Number.isInteger(id) ? await User.find(id) : null;
  if (!user) return res.json({ error: "Unauthorized" }, 401);
  return res.json({ user });
}
