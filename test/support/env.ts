import { afterEach, beforeEach } from "vitest";

/**
 * Each test starts with the environment variables `names` unset and leaves them as it found
 * them. Call it before the file's own hooks: vitest runs afterEach hooks in reverse order, so
 * the file's cleanup still sees the test's settings and the values come back last.
 */
export function useEnv(names: readonly string[]): void {
  let saved: Array<[string, string | undefined]> = [];
  beforeEach(() => {
    saved = names.map((name) => [name, process.env[name]]);
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
