import type { Request } from "tina4";
import { cachedDatabase, CACHED_WORLD_BY_ID, type World } from "../../lib/db.js";
import { count, randomId } from "../../lib/tfb.js";

/** GET /cached-queries?count=N: TFB caching test, N CachedWorld rows through the query cache. */
export default async function (req: Request) {
  const db = await cachedDatabase();
  const n = count(req.query.count);
  const pending: Promise<World | null>[] = [];
  for (let i = 0; i < n; i++) pending.push(db.fetchOne<World>(CACHED_WORLD_BY_ID, [randomId()]));
  return Promise.all(pending);
}
