import { afterEach, describe, expect, it } from "vitest";
import { productionWorkerExecArgv } from "../../cli/cluster/worker-flags.js";
import { get, makeApp, serve, type Served } from "../dev/support.js";

const saved = process.env.TINA4_SEMI_SPACE_MB;
let served: Served | null = null;
afterEach(async () => {
  if (saved === undefined) delete process.env.TINA4_SEMI_SPACE_MB;
  else process.env.TINA4_SEMI_SPACE_MB = saved;
  await served?.stop();
  served = null;
});

describe("production worker flags (TINA4_SEMI_SPACE_MB)", () => {
  it("adds --max-semi-space-size=32 by default, the configured size, or nothing at 0", () => {
    delete process.env.TINA4_SEMI_SPACE_MB;
    expect(productionWorkerExecArgv(["--enable-source-maps"], "")).toEqual(["--enable-source-maps", "--max-semi-space-size=32"]);
    process.env.TINA4_SEMI_SPACE_MB = "64";
    expect(productionWorkerExecArgv([], "")).toEqual(["--max-semi-space-size=64"]);
    process.env.TINA4_SEMI_SPACE_MB = "0";
    expect(productionWorkerExecArgv(["--cpu-prof"], "")).toEqual(["--cpu-prof"]);
  });

  it("leaves the size to a flag given on the command line or in NODE_OPTIONS", () => {
    delete process.env.TINA4_SEMI_SPACE_MB;
    expect(productionWorkerExecArgv(["--max-semi-space-size=8"], "")).toEqual(["--max-semi-space-size=8"]);
    expect(productionWorkerExecArgv([], "--max-old-space-size=512 --max-semi-space-size=4")).toEqual([]);
  });

  it("refuses a value that is not a size", () => {
    process.env.TINA4_SEMI_SPACE_MB = "lots";
    expect(() => productionWorkerExecArgv([], "")).toThrow(/TINA4_SEMI_SPACE_MB/);
    process.env.TINA4_SEMI_SPACE_MB = "-1";
    expect(() => productionWorkerExecArgv([], "")).toThrow(/TINA4_SEMI_SPACE_MB/);
  });

  it("serve --production runs its workers with the flag; TINA4_SEMI_SPACE_MB=0 without it", async () => {
    const dir = makeApp({ "src/routes/flags.ts": 'import { get } from "tina4";\nget("/flags", () => ({ execArgv: process.execArgv }));\n' });
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_SEMI_SPACE_MB: "24" });
    expect(JSON.parse((await get(`${served.url}/flags`)).body).execArgv).toContain("--max-semi-space-size=24");
    await served.stop();
    served = await serve(dir, ["--production", "--workers", "1"], { TINA4_SEMI_SPACE_MB: "0" });
    expect(JSON.parse((await get(`${served.url}/flags`)).body).execArgv.join(" ")).not.toContain("--max-semi-space-size");
  });
});
