import { ROOT_ENV, cleanRunRoot, makeRunRoot, removeStaleRunRoots } from "./temp-root.js";

/** vitest globalSetup: one parent directory for the run's temporary files, cleaned at the end. */
export default function setup(): () => void {
  removeStaleRunRoots();
  const root = makeRunRoot();
  process.env[ROOT_ENV] = root;
  return () => {
    for (const dir of cleanRunRoot(root)) console.warn(`[tmp] kept ${dir}`);
  };
}
