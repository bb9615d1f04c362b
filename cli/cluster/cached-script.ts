/**
 * Runs a JavaScript file as a function body through node:vm with a V8 code cache in
 * `<file>.cache`. Node 20 has no compile cache for modules; for a large bundle, parsing and
 * (lazily) compiling its functions is a large share of a worker's start.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Script } from "node:vm";

export interface CachedScript {
  /** The file's code wrapped as `function (...params) { <code> }`. */
  fn: (...args: unknown[]) => unknown;
  /**
   * Writes the cache when there was none (or V8 refused it). Call once the code has done its
   * start-up work: the cache then also holds the functions compiled lazily meanwhile.
   */
  save: () => void;
}

export function loadCachedScript(file: string, params: string[], prologue = ""): CachedScript {
  const bytes = readFileSync(file);
  // V8 checks a cache against the source's length only; a rebuild of the same length must
  // not run old code, so the cache starts with a hash of the exact source (≈ 1 ms).
  const key = createHash("sha256").update(bytes).digest();
  const source = bytes.toString("utf8");
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.subarray(0, key.length).equals(key)) cachedData = cache.subarray(key.length);
  } catch {
    // no cache yet
  }
  const script = new Script(`(function (${params.join(", ")}) {${prologue}${source}\n})`, { filename: file, cachedData });
  const fresh = !cachedData || script.cachedDataRejected === true;
  let saved = false;
  const save = (): void => {
    if (!fresh || saved) return;
    saved = true;
    try {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, Buffer.concat([key, script.createCachedData()]));
      renameSync(temp, cacheFile);
    } catch {
      // read-only: every start compiles, as without a cache
    }
  };
  return { fn: script.runInThisContext() as (...args: unknown[]) => unknown, save };
}
