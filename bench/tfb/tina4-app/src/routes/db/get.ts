import { database, WORLD_BY_ID, type World } from "../../lib/db.js";
import { randomId } from "../../lib/tfb.js";

/** GET /db: TFB test type 2, one random World row. */
export default async function () {
  const db = await database();
  return db.fetchOne<World>(WORLD_BY_ID, [randomId()]);
}
