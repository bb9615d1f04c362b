// Summarises a V8 .cpuprofile (from node --cpu-prof): self time per function, largest first.
import { readFileSync } from "node:fs";

/** @returns {{ totalMs: number, top: Array<{ name: string, where: string, selfMs: number, pct: number }> }} */
export function summarise(file, limit = 25) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  // timeDeltas[i] is the time before samples[i] was taken: charge it to that sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const frame = node.callFrame;
    const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, "$1/")}:${frame.lineNumber + 1}` : "";
    const key = `${frame.functionName || "(anonymous)"}\u0000${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  for (const value of self.values()) total += value;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => {
      const [name, where] = key.split("\u0000");
      return { name, where, selfMs: micros / 1000, pct: (micros / total) * 100 };
    });
  return { totalMs: total / 1000, top };
}
