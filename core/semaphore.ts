/**
 * A counting semaphore with a FIFO wait queue. Used to cap SNMP requests in flight per device
 * and per agent, so a big poll cycle cannot flood a device's control plane or the host's UDP
 * buffers.
 *
 * `tryAcquire` exists so the hot path (a permit is free, which is nearly always the case) costs
 * no promise and no allocation.
 */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<() => void> = [];
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`semaphore capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#available = capacity;
  }

  get available(): number {
    return this.#available;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a permit when one is free right now; never queues. */
  tryAcquire(): boolean {
    // Waiters go first, or a steady stream of tryAcquire calls could starve them.
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--;
      return true;
    }
    return false;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
    });
  }

  /**
   * A permit ahead of every waiter: for work that must not wait behind a whole queue, such as a
   * trap's poll behind a poll round (it still waits for a permit to be released).
   */
  acquireFirst(): Promise<void> {
    // Permits are free only while nobody waits (release hands them straight to waiters).
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#waiters.unshift(resolve);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    // Hand the permit straight to the next waiter, so a releaser cannot grab it back.
    if (next) next();
    else if (this.#available < this.capacity) this.#available++;
    else throw new Error('semaphore released more often than acquired');
  }

  /** `fn` under a permit; `first` takes it ahead of the waiters (acquireFirst). */
  async run<T>(fn: () => Promise<T>, options: { first?: boolean } = {}): Promise<T> {
    await (options.first ? this.acquireFirst() : this.acquire());
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
