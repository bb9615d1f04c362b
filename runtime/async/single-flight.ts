/**
 * One flight per key at a time: while work for a key runs, callers for that key share its
 * promise instead of starting the same work again (no stampede). The key is free again once
 * the flight settles, whatever its outcome.
 */
export class SingleFlight<K, V> {
  readonly #running = new Map<K, Promise<V>>();
  #landed = 0;

  /** How many flights (any key) have settled so far: a caller compares two readings to learn whether one landed in between. */
  get landed(): number {
    return this.#landed;
  }

  /** The flight running for `key`, if any. */
  joinable(key: K): Promise<V> | undefined {
    return this.#running.get(key);
  }

  /** Runs `work` for `key`, or joins the flight already running for it. */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const running = this.#running.get(key);
    if (running !== undefined) return running;
    const flight = work();
    this.#running.set(key, flight);
    const release = () => {
      this.#landed++;
      if (this.#running.get(key) === flight) this.#running.delete(key);
    };
    flight.then(release, release);
    return flight;
  }
}
