/** An AbortController made on first use: most jobs never look at their signal, and a hot path should not pay for one. */
export class LazyAbort {
  private controller: AbortController | null = null;

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}
