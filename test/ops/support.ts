import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function makeTempDir(prefix = "tina4-ops-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
