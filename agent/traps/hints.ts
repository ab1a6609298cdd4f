import type { PortTrackState } from '../health/track-state.js';

/**
 * What a linkDown/linkUp trap sets off (CONTRACT §5 "Traps"): a poll of the device now, then
 * confirmation polls every `confirmMs` while some port's hysteresis is still counting towards a
 * change. The trap itself never moves a tracker; only polls do (Monitor.pollNow).
 *
 * Bounded by construction: per device a token bucket (`ratePerDevice` a second, the same burst)
 * drops what a storm sends beyond it, and at most one poll loop per device runs, so any number of
 * hints that arrive while it runs collapse into one flag ("again"). Memory is one small record
 * per device that sent a hint recently, at most the inventory.
 */

/** What a trap's poll (Monitor.pollNow) saw: the tracker states of the device's tracked ports after it. */
export interface PollNowResult {
  readonly states: readonly PortTrackState[];
  /** Ports whose reported availability this poll changed: an `availability.changed` was published for each. */
  readonly changed: number;
}

export type HintOutcome = 'polled' | 'coalesced' | 'rate-limited' | 'forwarded' | 'not-held';

export interface TrapHintsDeps {
  /** Polls the device now if this replica holds it; undefined when it does not. */
  pollNow(device: string): Promise<PollNowResult | undefined>;
  /** Whether this replica holds the device's poll lease. */
  holds(device: string): boolean;
  /** Passes the hint to the replica that holds the device; absent when hints are not forwarded. */
  forward?: (device: string, receivedAt: number) => void;
  confirmMs: number;
  ratePerDevice: number;
  /** Confirmation polls after the first, at most: enough for the longer of upPolls and downPolls. */
  maxConfirms: number;
  /** Seconds from a trap's receipt to the availability change it led to. */
  onDetected?: (seconds: number) => void;
  onActive?: (devices: number) => void;
  onError?: (device: string, err: Error) => void;
  clock?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Loop {
  /** Receipt time of the oldest hint no poll has turned into a change yet. */
  since: number | undefined;
  /** A hint came while the loop ran: poll once more from the start when it ends. */
  again: boolean;
}

/** Whether a port's tracker is still counting polls towards a change (a streak under way). */
export function changePending(s: PortTrackState): boolean {
  return (
    (s.unhealthyStreak > 0 && s.actual !== 'unavailable') || (s.healthyStreak > 0 && s.actual !== 'available')
  );
}

export class TrapHints {
  readonly #buckets = new Map<string, Bucket>();
  readonly #loops = new Map<string, Loop>();
  readonly #running = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  readonly #clock: () => number;
  #stopped = false;

  constructor(private readonly deps: TrapHintsDeps) {
    this.#clock = deps.clock ?? Date.now;
  }

  /** A trap from `device` (already matched and authenticated), received at `receivedAt`. */
  offer(device: string, receivedAt: number): HintOutcome {
    if (this.#stopped || !this.#take(device)) return 'rate-limited';
    return this.#route(device, receivedAt, true);
  }

  /** A hint another replica forwarded: it was rate-limited there. */
  forwarded(device: string, receivedAt: number): HintOutcome {
    if (this.#stopped) return 'not-held';
    return this.#route(device, receivedAt, false);
  }

  /** Devices with a poll loop under way (bounded by the inventory). */
  get active(): number {
    return this.#loops.size;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    await Promise.allSettled([...this.#running]);
  }

  #route(device: string, receivedAt: number, mayForward: boolean): HintOutcome {
    if (!this.deps.holds(device)) {
      if (mayForward && this.deps.forward) {
        this.deps.forward(device, receivedAt);
        return 'forwarded';
      }
      return 'not-held';
    }
    const loop = this.#loops.get(device);
    if (loop) {
      loop.again = true;
      loop.since ??= receivedAt;
      return 'coalesced';
    }
    const fresh: Loop = { since: receivedAt, again: false };
    this.#loops.set(device, fresh);
    this.deps.onActive?.(this.#loops.size);
    const run = this.#run(device, fresh)
      .catch((err: unknown) => this.deps.onError?.(device, err as Error))
      .finally(() => {
        this.#loops.delete(device);
        this.#running.delete(run);
        this.deps.onActive?.(this.#loops.size);
      });
    this.#running.add(run);
    return 'polled';
  }

  /** Token bucket per device (one per inventory device at most: only matched senders get here). */
  #take(device: string): boolean {
    const now = this.#clock();
    const rate = this.deps.ratePerDevice;
    const burst = Math.max(1, rate);
    const b = this.#buckets.get(device) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.#buckets.set(device, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async #run(device: string, loop: Loop): Promise<void> {
    let confirms = 0;
    while (!this.#stopped) {
      const r = await this.deps.pollNow(device);
      if (!r) return;
      if (r.changed > 0 && loop.since !== undefined) {
        this.deps.onDetected?.((this.#clock() - loop.since) / 1000);
        loop.since = undefined;
      }
      if (r.states.some(changePending) && confirms < this.deps.maxConfirms) {
        confirms++;
        await this.#sleep(this.deps.confirmMs);
        continue;
      }
      if (!loop.again) return;
      // Hints that came meanwhile get their own poll and confirmations.
      loop.again = false;
      confirms = 0;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = {
        timer: setTimeout(() => t.wake(), ms),
        wake: () => {
          this.#timers.delete(t);
          resolve();
        },
      };
      this.#timers.add(t);
    });
  }
}
