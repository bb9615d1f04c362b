import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where the test suite's temporary files live. vitest's globalSetup (test/support/temp-global.ts)
 * makes one parent directory per run; each test file gets its own directory inside it (as TMPDIR,
 * so `os.tmpdir()`, mkdtemp and every spawned `tina4` process write there), removed after the
 * file's tests unless one failed. So `npm test`, run again and again, leaves /tmp as it found it.
 */

/** Names the per-run parent for the workers (which inherit the env of the vitest process). */
export const ROOT_ENV = "TINA4_TEST_TMP_ROOT";
/** TINA4_TEST_KEEP_TMP=1 keeps every test file's directory (and the parent) for a look afterwards. */
export const KEEP_ENV = "TINA4_TEST_KEEP_TMP";
/** Written into the directory of a test file that failed: teardown keeps that directory. */
export const FAILED_MARKER = ".tina4-test-failed";

export function keepRequested(): boolean {
  return process.env[KEEP_ENV] === "1";
}

export function makeRunRoot(): string {
  return mkdtempSync(join(tmpdir(), `tina4-test-${process.pid}-`));
}

/** The directory of one test file inside the run's parent, named after the file. */
export function makeFileDir(root: string, testPath: string | undefined): string {
  const name = (testPath ?? "file").split(/[\\/]/).pop()!.replace(/\.test\.[cm]?[jt]s$/, "").replace(/[^\w.-]/g, "_");
  return mkdtempSync(join(root, `${name}-`));
}

export function markFailed(dir: string, testPath: string | undefined): void {
  writeFileSync(join(dir, FAILED_MARKER), `${testPath ?? "?"}\n`);
}

/** Removes a directory; a failure (a process still writing in it) is reported, not swallowed. */
export function removeDir(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
    return true;
  } catch (error) {
    console.warn(`[tmp] could not remove ${dir}: ${(error as Error).message}`);
    return false;
  }
}

/**
 * End of the run: removes what the test files left (a process that outlived its test may have
 * written after the file's clean-up) except the directories of failed files; then the parent
 * itself once it is empty. Returns the directories kept.
 */
export function cleanRunRoot(root: string): string[] {
  if (!existsSync(root)) return [];
  if (keepRequested()) return [root];
  const kept: string[] = [];
  for (const entry of readdirSync(root)) {
    const dir = join(root, entry);
    if (existsSync(join(dir, FAILED_MARKER))) kept.push(dir);
    else removeDir(dir);
  }
  if (kept.length === 0) removeDir(root);
  return kept;
}
