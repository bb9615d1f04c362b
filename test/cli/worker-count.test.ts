import { afterEach, describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { Command } from "commander";
import { registerServe } from "../../cli/commands/serve.js";
import { SERVE_OPTION_SHAPES, workerCount, workersFlag } from "../../cli/cluster/worker-count.js";
import { handsOutConnections } from "../../cli/cluster/worker-handle.js";

/** What commander makes of `tina4 serve <args>` with the real serve command: its --workers value, or why it refused. */
function commanderWorkers(args: string[]): { workers: string | undefined } | { error: string } {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerServe(program);
  const serve = program.commands.find((command) => command.name() === "serve")!;
  serve.action(() => undefined); // parse only: never start a server
  try {
    program.parse(["serve", ...args], { from: "user" });
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { workers: serve.opts<{ workers?: string }>().workers };
}

const saved = process.env.TINA4_WORKERS;
afterEach(() => {
  if (saved === undefined) delete process.env.TINA4_WORKERS;
  else process.env.TINA4_WORKERS = saved;
});

describe("workersFlag: the --workers value read from the raw command line, before commander runs", () => {
  const lines: string[][] = [
    [],
    ["--production"],
    ["--production", "--workers", "1"],
    ["--workers=3", "--production"],
    ["--production", "-w", "2"],
    ["--production", "-w2"],
    ["--production", "-qw2"],
    ["--production", "-qw", "5"],
    ["--production", "-q", "-w", "7"],
    ["--production", "--workers", "1", "--workers", "4"], // the last one wins
    ["--production", "-w", "1", "--workers=2"],
    ["--production", "--workers=2", "-w1"],
    ["--production", "--workers="], // empty: one per core
    ["--production", "--workers", "-1"], // a value that looks like an option is still the value
    ["--production", "--workers", "zero"],
    ["--production", "--port", "--workers", "--workers", "2"], // --port's value is "--workers"
    ["--production", "--port=--workers", "-w", "6"],
    ["--production", "--host", "-w", "-p", "7"], // --host's value is "-w"
    ["--production", "-H", "--workers"],
    ["--production", "-pw2"], // -p takes the rest of the group: port "w2"
    ["--production", "-p", "8000", "-w", "3"],
    ["--production", "--with-worker", "--workers", "2"],
    ["--production", "--workers"], // no value: commander refuses
    ["--production", "--", "--workers", "2"], // after --: not an option
    ["--production", "-x", "-w", "2"], // unknown option: commander refuses
  ];
  for (const args of lines) {
    it(`agrees with commander on serve ${args.join(" ") || "(no options)"}`, () => {
      const parsed = commanderWorkers(args);
      // where commander refuses the line, serve never runs: whatever prefork guessed is thrown away
      if ("error" in parsed) return;
      expect(workersFlag(["serve", ...args])).toBe(parsed.workers);
    });
  }

  it("covers the lines above that commander refuses, so the comparison is not empty", () => {
    expect(lines.filter((args) => "error" in commanderWorkers(args)).length).toBeLessThan(lines.length / 4);
  });

  it("knows every serve option that takes a value, and every boolean short option (a new one must be added)", () => {
    const program = new Command();
    registerServe(program);
    const serve = program.commands.find((command) => command.name() === "serve")!;
    for (const option of serve.options) {
      const names = [option.short, option.long].filter((name): name is string => name !== undefined);
      if (option.required || option.optional) for (const name of names) expect(SERVE_OPTION_SHAPES.values, name).toContain(name);
      else if (option.short) expect(SERVE_OPTION_SHAPES.shortFlags, option.short).toContain(option.short);
    }
  });

  it("reads only the serve command's options", () => {
    expect(workersFlag(["build", "--workers", "2"])).toBeUndefined();
    expect(workersFlag(["--production", "--workers", "2"])).toBeUndefined();
  });
});

describe("workerCount: --workers, else TINA4_WORKERS, else one per core", () => {
  it("takes the flag first, then TINA4_WORKERS, then the available parallelism", () => {
    process.env.TINA4_WORKERS = "3";
    expect(workerCount("1")).toBe(1);
    expect(workerCount(undefined)).toBe(3);
    delete process.env.TINA4_WORKERS;
    expect(workerCount(undefined)).toBe(availableParallelism());
    expect(workerCount("")).toBe(availableParallelism());
  });

  it("refuses counts that are not an integer from 1 to 1024, from the flag or the environment", () => {
    for (const flag of ["0", "-1", "2.5", "zero", "1025"]) expect(() => workerCount(flag), flag).toThrow(/Invalid worker count/);
    process.env.TINA4_WORKERS = "0";
    expect(() => workerCount(undefined)).toThrow(/TINA4_WORKERS/);
  });
});

describe("handsOutConnections: the scheduling policy fixed at the first fork", () => {
  it("lets a single worker accept itself and has the primary hand connections out among several", () => {
    expect(handsOutConnections("production", 1)).toBe(false);
    expect(handsOutConnections("production", 2)).toBe(true);
    expect(handsOutConnections("production", 16)).toBe(true);
    expect(handsOutConnections("production", undefined)).toBe(true); // count unknown: round-robin, as before
    expect(handsOutConnections("dev", 1)).toBe(false);
    expect(handsOutConnections("dev", undefined)).toBe(false);
  });
});
