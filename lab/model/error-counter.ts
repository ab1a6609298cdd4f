/**
 * A port's IF-MIB ifInErrors (`lab ctl errors`): CRC errors arriving at `rate` per second of
 * real time (the agent's poll grid runs on real time, so a burst is seen by the polls it spans),
 * a Counter32 that wraps at 2^32 and starts again from zero when the switch reboots.
 */
const COUNTER32 = 2 ** 32;

export class ErrorCounter {
  /** Errors counted up to `#since`. */
  #base = 0;
  #rate = 0;
  #since: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.#since = clock();
  }

  get rate(): number {
    return this.#rate;
  }

  /** The counter as a GET reads it now. */
  value(): number {
    return Math.floor(this.#total()) % COUNTER32;
  }

  /** From now on `rate` errors a second (0 stops them); `count` sets the counter first (a wrap test starts near 2^32). */
  set(rate: number, count?: number): void {
    this.#base = count ?? this.#total();
    this.#since = this.clock();
    this.#rate = rate;
  }

  /** A reboot: the counter starts again from zero; errors keep arriving at the same rate. */
  reset(): void {
    this.#base = 0;
    this.#since = this.clock();
  }

  #total(): number {
    return this.#base + (this.#rate * (this.clock() - this.#since)) / 1000;
  }
}
