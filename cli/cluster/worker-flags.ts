/**
 * Node flags for production workers. A server allocates short-lived objects per request (parsed
 * requests, rows, response strings) at a rate Node's default young generation (16 MB semi-spaces,
 * started smaller and grown on survival) scavenges thousands of times a minute; a larger fixed
 * ceiling scavenges less often for the same live data. Measured: −13 % server CPU per request on
 * TechEmpower `/queries?queries=20`, −5 % on `/json` (docs/benchmarks.md, docs/decisions.md).
 * The cost is memory under load: up to 2 × the size more per worker.
 */
import { setting } from "../../runtime/config/settings.js";

const SEMI_SPACE_FLAG = "--max-semi-space-size";

/**
 * `execArgv` plus `--max-semi-space-size` from TINA4_SEMI_SPACE_MB, unless 0 or the flag is
 * already given (on the command line or in NODE_OPTIONS, which Node applies to every fork).
 */
export function productionWorkerExecArgv(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  const megabytes = setting("TINA4_SEMI_SPACE_MB");
  const given = nodeOptions.includes(SEMI_SPACE_FLAG) || execArgv.some((arg) => arg.startsWith(SEMI_SPACE_FLAG));
  return megabytes === 0 || given ? [...execArgv] : [...execArgv, `${SEMI_SPACE_FLAG}=${megabytes}`];
}
