import { randomBytes } from "node:crypto";

/** Connection ids: a random per-process prefix (64 bits) and a counter — unique across processes. */
const prefix = randomBytes(8).toString("hex");
let counter = 0;

export function nextConnectionId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}
