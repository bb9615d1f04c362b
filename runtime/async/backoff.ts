/**
 * Exponential backoff: the delay before retry number `attempt` (0 for the first) is
 * `base × 2^attempt` ms, at most `max`, plus up to `jitter` random ms so that many clients
 * that failed together do not retry together.
 */
export function backoff(attempt: number, base: number, max: number, jitter = 0): number {
  const delay = Math.min(base * 2 ** attempt, max);
  return jitter > 0 ? delay + Math.floor(Math.random() * jitter) : delay;
}
