import type { Request } from "tina4";
import { cachedDatabase, CACHED_WORLD_BY_ID, type World } from "../../lib/db.js";
import { count, randomId } from "../../lib/tfb.js";

/** GET /cached-queries?count=N: TFB caching test, N CachedWorld rows through the query cache, in one batch. */
export default async function (req: Request) {
  const db = await cachedDatabase();
  const ids: [number][] = [];
  for (let i = count(req.query.count); i > 0; i--) ids.push([randomId()]);
  return db.fetchMany<World>(CACHED_WORLD_BY_ID, ids);
}
