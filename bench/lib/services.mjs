// Where a bench finds a real server: its own variable (BENCH_*), else the tests' variable, else
// the line of .ci/services.env that CI and the tests read.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The URL in `bench` or `test` (environment), or `test=` in .ci/services.env; undefined when none. */
export function service(bench, test) {
  const env = process.env[bench] ?? process.env[test];
  if (env) return env;
  const file = join(root, ".ci", "services.env");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${test}=`));
  return line?.slice(test.length + 1);
}
