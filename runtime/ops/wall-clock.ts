/**
 * `Date.now()` as it read at a monotonic clock reading the caller already has (the end of a
 * response: the request line's `time`), reading the wall clock only about once per millisecond
 * instead of once per line (docs/operations.md, "Cost").
 *
 * The kept millisecond `ms` is returned only for a reading known to lie inside it, as long as the
 * wall clock runs at the monotonic clock's rate (NTP slews both alike): if Date.now() returned
 * less than `ms` in a call made after the reading `below`, millisecond `ms` began after `below`,
 * so the next one begins after `below + 1`; and `ms` had begun by `from`, a reading taken right
 * after the call that first returned it. A reading outside that window reads the wall clock. When
 * the wall clock is stepped (settimeofday, an NTP step, a VM's clock catching up), the lines of
 * the rest of that millisecond can show what it read before the step.
 */

import { monotonicNow } from "../http/clock.js";

let ms = Number.NaN;
/** A monotonicNow() reading (http/clock.ts) by which Date.now() already returned `ms`. */
let from = Number.POSITIVE_INFINITY;
/** Before this reading, millisecond `ms` has not ended. */
let until = Number.NEGATIVE_INFINITY;
/** The latest reading passed in: each was taken before the Date.now() call it led to. */
let below = Number.NEGATIVE_INFINITY;

/** What `Date.now()` returned (or would have) at `at`, a monotonicNow() reading taken earlier. */
export function wallMillis(at: number): number {
  if (at >= from && at < until) return ms;
  const now = Date.now();
  if (now !== ms) {
    // later: it began after every earlier reading; earlier (the clock was set back): no bound known
    until = now > ms ? below + 1 : Number.NEGATIVE_INFINITY;
    ms = now;
    from = monotonicNow();
  }
  if (at > below) below = at;
  return now;
}
