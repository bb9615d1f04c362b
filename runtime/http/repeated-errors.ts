/**
 * Keeps a storm of identical server errors (a database that is down, answering every request
 * with the same T4_ERR_DB_UNAVAILABLE) from flooding the log: the first of a kind is logged in
 * full at once, the same kind again within the window only counted, and when the window ends
 * one line says how many were left out ("… and 523 more like it in the last 5 s"). A kind is
 * the error's code (or name) and message, whatever the request.
 */

/** How long repeats of one kind are counted instead of logged, in ms. */
export const REPEAT_WINDOW_MS = 5_000;
/** Kinds tracked at once; past this, errors are logged as they come (never dropped). */
const MAX_KINDS = 1_000;

interface Burst {
  suppressed: number;
}

const bursts = new Map<string, Burst>();

/** The error's kind: its stable code (tina4 errors, Node's system errors) or class name, and its message. */
export function errorKind(error: unknown): string {
  if (typeof error !== "object" || error === null) return `value:${String(error)}`;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  const label = typeof code === "string" || typeof code === "number" ? String(code) : typeof name === "string" ? name : "Error";
  return `${label}: ${typeof message === "string" ? message : ""}`;
}

/**
 * Whether to log this error now. False for a repeat of a kind logged less than the window ago
 * (it is counted); `summarise(kind, count)` is called once that window ends with the number
 * left out, if any.
 */
export function shouldLogError(kind: string, summarise: (kind: string, suppressed: number, windowMs: number) => void, windowMs = REPEAT_WINDOW_MS): boolean {
  const burst = bursts.get(kind);
  if (burst !== undefined) {
    burst.suppressed++;
    return false;
  }
  if (bursts.size >= MAX_KINDS) return true;
  const started: Burst = { suppressed: 0 };
  bursts.set(kind, started);
  // unref: a pending summary never keeps a process alive (a script, a test file after close())
  setTimeout(() => {
    bursts.delete(kind);
    if (started.suppressed > 0) summarise(kind, started.suppressed, windowMs);
  }, windowMs).unref();
  return true;
}
