import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { get, makeApp, serve, type Served } from "../dev/support.js";

let served: Served | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** The inode of the socket listening on `port` (Linux: /proc/net/tcp, tcp6), or null. */
function listeningInode(port: number): string | null {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(hex) && fields[3] === "0A") return fields[9]!;
    }
  }
  return null;
}

function holdsSocket(pid: number, inode: string): boolean {
  return readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** Which of the server's workers hold its listening socket, that is, accept connections themselves. */
async function workersAccepting(server: Served): Promise<{ workers: number[]; accepting: number[] }> {
  const workers = (await server.waitFor(/pids ([\d, ]+);/))[1]!.split(", ").map(Number);
  const inode = listeningInode(Number(new URL(server.url).port));
  expect(inode, "the listening socket in /proc/net").not.toBeNull();
  expect(holdsSocket(server.child.pid!, inode!)).toBe(true); // the primary always holds it
  return { workers, accepting: workers.filter((pid) => holdsSocket(pid, inode!)) };
}

const files = { "src/routes/whoami/get.ts": "export default () => ({ pid: process.pid });\n" };
const linux = existsSync("/proc/net/tcp");
if (!linux) console.log("skipped: no /proc/net/tcp here, so which process holds the listening socket cannot be seen");

/**
 * How connections reach production workers (docs/decisions.md): a single worker accepts from
 * the listening socket itself (node:cluster SCHED_NONE: the primary does no work per
 * connection and none is ever in transit); several are handed connections in turn by the
 * primary (round-robin), which alone holds the socket then. The policy is fixed at the first
 * fork, which happens before the options are parsed (cluster/prefork.ts).
 */
describe.skipIf(!linux)("tina4 serve --production: who accepts the connections", () => {
  it("one worker (--workers 1) accepts them itself and answers new connections", async () => {
    served = await serve(makeApp(files), ["--production", "--workers", "1"]);
    const { workers, accepting } = await workersAccepting(served);
    expect(accepting).toEqual(workers);
    for (let i = 0; i < 5; i++) expect(JSON.parse((await get(`${served.url}/whoami`, { headers: { connection: "close" } })).body)).toEqual({ pid: workers[0] });
  });

  it("one worker from TINA4_WORKERS=1 in .env, read before the first fork: it accepts them itself", async () => {
    const dir = makeApp(files);
    appendFileSync(join(dir, ".env"), "\nTINA4_WORKERS=1\n");
    served = await serve(dir, ["--production"]);
    const { workers, accepting } = await workersAccepting(served);
    expect(workers).toHaveLength(1);
    expect(accepting).toEqual(workers);
  });

  it("one worker started from a subfolder (no fork before the options are parsed): it accepts them itself", async () => {
    const dir = makeApp(files);
    served = await serve(join(dir, "src"), ["--production", "-w1"]);
    const { workers, accepting } = await workersAccepting(served);
    expect(workers).toHaveLength(1);
    expect(accepting).toEqual(workers);
  });

  it("two workers (-w 2 over TINA4_WORKERS=1): the primary hands connections to both in turn", async () => {
    const dir = makeApp(files);
    appendFileSync(join(dir, ".env"), "\nTINA4_WORKERS=1\n");
    served = await serve(dir, ["--production", "-w", "2"]);
    const { workers, accepting } = await workersAccepting(served);
    expect(workers).toHaveLength(2);
    expect(accepting).toEqual([]);
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) pids.add((JSON.parse((await get(`${served.url}/whoami`, { headers: { connection: "close" } })).body) as { pid: number }).pid);
    expect(pids).toEqual(new Set(workers));
  });
});
