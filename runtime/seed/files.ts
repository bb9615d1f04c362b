import { appFilesIn, type AppFile } from "../loader/app-files.js";

/** One seed file found under `<root>/src/seeds`; its `name` is what `--only` takes. */
export type SeedFile = AppFile;

const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * The seed files of an app: `src/seeds/*.ts` at the top level (tests and declaration files
 * skipped), ordered by name with numbers compared as numbers (`2_x` before `10_x`, as
 * migrations). A missing folder has none.
 */
export function discoverSeeders(root: string): SeedFile[] {
  return appFilesIn(root, "src/seeds", byName);
}
