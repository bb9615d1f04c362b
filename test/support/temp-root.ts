import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Where the test suite's temporary files live. vitest's globalSetup (test/support/temp-global.ts)
 * makes one parent directory per run; each test file gets its own directory inside it (as TMPDIR,
 * so `os.tmpdir()`, mkdtemp and every spawned `tina4` process write there), removed after the
 * file's tests unless one failed (then kept, its path printed, until a run an hour later). So
 * `npm test`, run again and again, leaves /tmp as it found it.
 */

/** Names the per-run parent for the workers (which inherit the env of the vitest process). */
export const ROOT_ENV = "TINA4_TEST_TMP_ROOT";
/** TINA4_TEST_KEEP_TMP=1 keeps every test file's directory (and the parent) for a look afterwards. */
export const KEEP_ENV = "TINA4_TEST_KEEP_TMP";
/** Written into the directory of a test file that failed: teardown keeps that directory. */
export const FAILED_MARKER = ".tina4-test-failed";

/**
 * The temporary folder the run started with (the parent of the run's directory), for a program
 * whose paths in TMPDIR must stay short: Chromium's singleton socket (`<TMPDIR>/org.chromium.
 * Chromium.*\/SingletonSocket`) may not exceed the 107 bytes of a Unix socket path.
 */
export function baseTmpdir(): string {
  const root = process.env[ROOT_ENV];
  return root ? dirname(root) : tmpdir();
}

export function keepRequested(): boolean {
  return process.env[KEEP_ENV] === "1";
}

/** How long the directory of a failed test file outlives its run: later runs remove it after that. */
export const KEEP_FAILED_MS = 60 * 60 * 1000;

const RUN_ROOT = /^tina4-test-(\d+)-\w+$/;

export function makeRunRoot(): string {
  return traversable(mkdtempSync(join(tmpdir(), `tina4-test-${process.pid}-`)));
}

/**
 * mkdtemp makes 0700 folders; a test that hands a folder inside to another user (the private
 * PostgreSQL of test/stress runs initdb as `postgres`) needs the way there open to pass through
 * (not to list): 0711.
 */
function traversable(dir: string): string {
  chmodSync(dir, 0o711);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Start of a run: the parents of earlier runs that are over (their vitest process is gone) lose
 * what a killed run left behind at once, and their failed files' directories once these are
 * older than KEEP_FAILED_MS; a parent left empty goes too. Only this user's parents are touched.
 */
export function removeStaleRunRoots(now = Date.now()): void {
  const parentDir = tmpdir();
  for (const name of readdirSync(parentDir)) {
    const pid = RUN_ROOT.exec(name)?.[1];
    if (!pid || alive(Number(pid))) continue;
    const root = join(parentDir, name);
    try {
      if (process.getuid && statSync(root).uid !== process.getuid()) continue;
      for (const entry of readdirSync(root)) {
        const dir = join(root, entry);
        const marker = join(dir, FAILED_MARKER);
        if (!existsSync(marker) || now - statSync(marker).mtimeMs > KEEP_FAILED_MS) removeDir(dir);
      }
      if (readdirSync(root).length === 0) removeDir(root);
    } catch (error) {
      // another run starting at the same moment may have removed it first
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") console.warn(`[tmp] could not clean ${root}: ${(error as Error).message}`);
    }
  }
}

/** The directory of one test file inside the run's parent, named after the file. */
export function makeFileDir(root: string, testPath: string | undefined): string {
  // at most 20 characters: paths below it stay short (see baseTmpdir)
  const name = (testPath ?? "file").split(/[\\/]/).pop()!.split(".")[0]!.replace(/[^\w-]/g, "_").slice(0, 20);
  return traversable(mkdtempSync(join(root, `${name}-`)));
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
