/**
 * Who holds a lock row: `<host>:<pid>:<random>:<pid namespace>`. A row lock whose holder was
 * stopped with Ctrl-C or crashed used to block the next `tina4 migrate` (or lock()) until its
 * TTL ran out (60 s): a holder on this machine, in this pid namespace (two containers may share
 * a host name, never a pid namespace), whose process is gone can be taken over at once.
 */
import { randomBytes } from "node:crypto";
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";

/** The pid namespace's inode on Linux; "-" where there are none (macOS, Windows). */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "?";
  } catch {
    return process.platform === "linux" ? "?" : "-";
  }
}

const namespace = pidNamespace();

/** A new owner id for one acquisition by this process. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}:${namespace}`.slice(0, 200);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** True when `owner` is a process of this machine and pid namespace that no longer runs. */
export function ownerIsDeadLocal(owner: string): boolean {
  const parts = owner.split(":");
  if (parts.length !== 4 || namespace === "?" || parts[3] !== namespace || parts[0] !== hostname()) return false;
  const pid = Number(parts[1]);
  return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
}
