/** Public API of tina4 seeding: sample data from `src/seeds/*.ts`. */
export { runSeeders, type Seeder, type SeedEvent, type SeedOptions, type SeedResult } from "./runner.js";
export { discoverSeeders, type SeedFile } from "./files.js";
export { SeedError, SeedErrorCode, type SeedErrorCodeValue } from "./errors.js";
