import type { Request } from "tina4";
import { authLimit, authSession } from "{{guardImport}}";

export const secured = false;
export const middleware = [authLimit, authSession];
export const meta = { summary: "Log out: ends the session everywhere", tags: ["auth"] };

/**
 * POST /auth/logout → 200. Deletes the session server-side, so its cookie stops working on
 * every worker and instance at once. A token stays valid until it expires (TINA4_TOKEN_TTL):
 * clients simply forget it.
 */
export default async function (req: Request) {
  await req.session!.destroy();
  return { loggedOut: true };
}
