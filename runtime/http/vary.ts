import type { HeaderValue } from "./response.js";

/**
 * A Vary value with `name` added unless it is listed already (any case) or the value is `*`
 * (varies on everything: nothing to add). Several Vary headers are merged into one list.
 */
export function withVary(existing: HeaderValue | undefined, name: string): string {
  const current = existing === undefined ? "" : Array.isArray(existing) ? existing.join(", ") : String(existing);
  if (!current.trim()) return name;
  const listed = current.split(",").map((v) => v.trim().toLowerCase());
  return listed.includes("*") || listed.includes(name.toLowerCase()) ? current : `${current}, ${name}`;
}
