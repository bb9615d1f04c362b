/** TFB's count parameter: not an integer → 1, below 1 → 1, above 500 → 500. */
export function count(value: unknown): number {
  const n = Number.parseInt(String(value ?? ""), 10);
  if (Number.isNaN(n) || n < 1) return 1;
  return n > 500 ? 500 : n;
}

/** A World id: 1 to 10,000. */
export function randomId(): number {
  return 1 + Math.floor(Math.random() * 10_000);
}
