// Per-core CPU time from /proc/stat (Linux), to say what else ran on a core during a
// measured run: the machine is shared, and a round whose server core was busy with other
// work, or whose cores were stolen by the hypervisor, is not comparable with a quiet one.
import { readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on every mainstream Linux ABI

/** Ticks per core now: { cpu0: { user, nice, system, idle, iowait, irq, softirq, steal }, ... }, or null. */
export function coreTicks() {
  try {
    const out = {};
    for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
      if (!/^cpu\d+ /.test(line)) continue;
      const [name, ...f] = line.split(/\s+/);
      const [user, nice, system, idle, iowait, irq, softirq, steal] = f.map(Number);
      out[name] = { user, nice, system, idle, iowait, irq, softirq, steal };
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * What core `core` did between two coreTicks() samples, in percent of the wall time it had:
 * busy (anything but idle/iowait), softirq (network delivery, mostly), steal (taken by the
 * hypervisor) and `other` = busy − softirq − `ownMs` (the CPU the measured processes used
 * there, when known): work of processes that are not part of the measurement.
 */
export function coreShare(before, after, core, ownMs = null) {
  const a = before?.[`cpu${core}`];
  const b = after?.[`cpu${core}`];
  if (!a || !b) return null;
  const d = (key) => b[key] - a[key];
  const total = Object.keys(b).reduce((sum, key) => sum + d(key), 0);
  if (total <= 0) return null;
  const busy = total - d("idle") - d("iowait");
  const pct = (ticks) => Math.round((ticks / total) * 1000) / 10;
  const own = ownMs === null ? null : ownMs / TICK_MS;
  return {
    busy: pct(busy),
    softirq: pct(d("softirq")),
    steal: pct(d("steal")),
    other: own === null ? null : Math.max(0, pct(busy - d("softirq") - d("steal") - own)),
  };
}
