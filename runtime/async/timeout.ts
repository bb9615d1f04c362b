/**
 * `work`, or a rejection with `onTimeout()` once `ms` have passed without an answer. The timer
 * never keeps the process alive and is cleared as soon as `work` settles. `work` itself is not
 * cancelled: callers that can stop it (close a socket) do so when they see the timeout.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
