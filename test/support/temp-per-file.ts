import { afterAll, beforeEach, expect } from "vitest";
import { ROOT_ENV, keepRequested, makeFileDir, markFailed, removeDir } from "./temp-root.js";

// vitest setupFile: runs before each test file, so this file's temporary files (mkdtemp under
// os.tmpdir(), and those of the processes it spawns) go to a directory of its own in the run's parent.
const root = process.env[ROOT_ENV];
if (root) {
  const testPath = expect.getState().testPath;
  const dir = makeFileDir(root, testPath);
  process.env.TMPDIR = dir;
  let failed = false;
  beforeEach((test) => {
    test.onTestFailed(() => {
      failed = true;
    });
  });
  // registered before the file's own hooks, so it runs after them (servers and browsers closed)
  afterAll(({}, suite) => {
    if (failed || suite.result?.state === "fail") {
      markFailed(dir, testPath);
      console.warn(`[tmp] a test failed: its temporary files are kept in ${dir}`);
    } else if (!keepRequested()) {
      removeDir(dir);
    }
  });
}
