import type { Database } from "tina4";

/**
 * Sample data for development. `tina4 db:seed` runs every seeder in src/seeds/ in file-name
 * order (prefix names with numbers to order them: 01_users, 02_orders), `tina4 db:seed --only
 * {{name}}` runs this one, and `tina4 migrate:fresh --seed` rebuilds the database and runs them all.
 *
 * It runs in a transaction: when it throws, everything it wrote is rolled back. Writes through
 * `db` and through models (`Product.create(...)`) are part of that transaction.
 */
export default async function seed{{Type}}(db: Database) {
  // await db.insert("products", [{ name: "Apple", price: 1.5 }, { name: "Pear", price: 2 }]);
  // or with a model (import Product from "../models/Product"): await Product.create({ name: "Apple", price: 1.5 });
  void db;
}
