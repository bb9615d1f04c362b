import type { Request } from "tina4";
import { database, WORLD_BY_ID, type World } from "../../lib/db.js";
import { count, randomId } from "../../lib/tfb.js";

/** GET /queries?queries=N: TFB test type 3, N random World rows, one query each. */
export default async function (req: Request) {
  const db = await database();
  const n = count(req.query.queries);
  const pending: Promise<World | null>[] = [];
  for (let i = 0; i < n; i++) pending.push(db.fetchOne<World>(WORLD_BY_ID, [randomId()]));
  return Promise.all(pending);
}
