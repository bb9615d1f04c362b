import {{Model}} from "../models/{{Model}}";
{{relatedImports}}
/** The sample {{table}}: edit them, or make more in a loop. */
const samples = [
{{sampleLines}}
];

/**
 * Sample {{table}} for development. `tina4 db:seed` runs every seeder in src/seeds/ in file-name
 * order (prefix names with numbers to order them: 01_users, 02_orders), `tina4 db:seed --only
 * {{name}}` runs this one, and `tina4 migrate:fresh --seed` rebuilds the database and runs them all.
 *
 * It runs in a transaction (the Database is its argument, `db.insert(...)` works too): when it
 * throws, everything it wrote is rolled back. Each record is validated as {{Model}}.create()
 * always does, so a sample that breaks a field rule names the field.
 */
export default async function seed{{Type}}() {
{{create}}
}
