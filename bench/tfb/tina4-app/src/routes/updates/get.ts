import type { Request } from "tina4";
import { database, WORLD_BY_ID, type World } from "../../lib/db.js";
import { count, randomId } from "../../lib/tfb.js";

/**
 * GET /updates?queries=N: TFB test type 5. Each row is read with its own query, then all
 * changed rows are written with one UPDATE (TFB allows batching the writes). Ids are
 * deduplicated (the last new value wins) and sorted, so concurrent batches lock rows in the
 * same order and cannot deadlock.
 */
export default async function (req: Request) {
  const db = await database();
  const n = count(req.query.queries);
  const pending: Promise<World | null>[] = [];
  for (let i = 0; i < n; i++) pending.push(db.fetchOne<World>(WORLD_BY_ID, [randomId()]));
  const worlds = (await Promise.all(pending)) as World[];
  const latest = new Map<number, number>();
  for (const w of worlds) {
    w.randomNumber = randomId();
    latest.set(w.id, w.randomNumber);
  }
  const ids = [...latest.keys()].sort((a, b) => a - b);
  const params: number[] = [];
  for (const id of ids) params.push(id, latest.get(id)!);
  const rows = ids.map(() => "(?::int, ?::int)").join(", ");
  await db.execute(`UPDATE world AS w SET randomnumber = v.r FROM (VALUES ${rows}) AS v(id, r) WHERE w.id = v.id`, params);
  return worlds;
}
