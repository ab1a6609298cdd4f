/**
 * The fixed-rate poll schedule of CONTRACT §5 ("every `intervalSeconds`"), with no I/O and no
 * timers: the monitor asks it, at any moment, which devices to poll now, and tells it when a poll
 * ended. A device's turns sit on a grid `first + k × interval` that never moves, so a slow poll,
 * a late timer or a loaded event loop cannot stretch the period (scheduling the next tick after
 * the previous poll ended made a 2 s interval measure 3.06 s at 30% SNMP loss).
 *
 * A turn that comes while the device's previous poll still runs is skipped, never queued: a
 * queue behind a slow device only grows, and two polls of one device in flight would double the
 * load on a control plane that is already slow to answer. Every skipped turn is counted.
 *
 * Devices are spread over the interval: a device's first turn is at once, and its grid then sits
 * at a phase of its own (from a hash of its id, in steps of `PHASE_STEP_MS`), the first gap
 * between half an interval and one and a half. Polled all at once, a fleet sent its every request in one burst
 * each interval, and held hundreds of half-done polls at the same moment: the garbage collector
 * promoted them, and the heap grew between major collections by what one burst left behind.
 */

interface Slot {
  /** Epoch ms of the next turn on the grid. */
  next: number;
  busy: boolean;
  /** Set until the first turn is taken: the grid is placed then (`secondTurnAt`). */
  phase: boolean | undefined;
}

/** Phases are multiples of this, so a fleet wakes the monitor a few times a second at most. */
export const PHASE_STEP_MS = 250;

/**
 * Where in each interval a device's grid sits, in ms: a stable spread of ids (FNV-1a) over the
 * interval's steps, so a device keeps its phase across restarts and replicas.
 */
export function gridPhaseMs(device: string, intervalMs: number): number {
  const steps = Math.max(1, Math.floor(intervalMs / PHASE_STEP_MS));
  let h = 0x811c9dc5;
  for (let i = 0; i < device.length; i++) {
    h ^= device.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % steps) * PHASE_STEP_MS;
}

export interface Turns {
  /** Devices whose turn is now and that are idle: poll them, then call `done`. */
  readonly start: string[];
  /** Turns skipped per device since the last call (a poll still running, or the process late). */
  readonly overruns: ReadonlyMap<string, number>;
}

const NO_OVERRUNS: ReadonlyMap<string, number> = new Map();

const mod = (a: number, m: number) => ((a % m) + m) % m;

/**
 * A device's second turn, for a first turn at `firstAt`: the point of its phase nearest to one
 * interval on, so the first gap is between half an interval and one and a half.
 */
export function secondTurnAt(device: string, firstAt: number, intervalMs: number): number {
  const target = firstAt + intervalMs;
  const ahead = mod(gridPhaseMs(device, intervalMs) - target, intervalMs);
  return ahead * 2 < intervalMs ? target + ahead : target + ahead - intervalMs;
}

export class PollSchedule {
  readonly #intervalMs: number;
  readonly #slots = new Map<string, Slot>();
  /** The `devices` of the last `take`, whose others are forgotten already. */
  #wanted: readonly string[] | undefined;
  /** A slot outside `#wanted` was kept because its poll ran: look again at the next `take`. */
  #stray = false;

  constructor(intervalMs: number) {
    if (!(intervalMs > 0)) throw new RangeError(`poll interval must be positive, got ${intervalMs}`);
    this.#intervalMs = intervalMs;
  }

  /**
   * The devices due at `now` among `devices`; the others are forgotten (a device no longer held
   * starts a fresh grid when it comes back, so a turn long past is not counted as skipped).
   *
   * The monitor asks several times a second with the same held set: `devices` is kept, and the
   * same array again skips finding the forgotten ones. Pass a new array when the set changes,
   * never the old one changed.
   */
  take(devices: readonly string[], now: number): Turns {
    if (devices !== this.#wanted || this.#stray) this.#forgetOthers(devices);
    const start: string[] = [];
    let overruns: Map<string, number> | undefined;
    for (const d of devices) {
      let slot = this.#slots.get(d);
      if (!slot) {
        slot = { next: now, busy: false, phase: true };
        this.#slots.set(d, slot);
      }
      if (now < slot.next) continue;
      if (slot.phase !== undefined) {
        // The first turn, taken now; the grid starts at the device's phase, about an interval on.
        slot.next = secondTurnAt(d, now, this.#intervalMs);
        slot.phase = undefined;
        slot.busy = true;
        start.push(d);
        continue;
      }
      // Every turn from slot.next up to now has come; all but one of them passed unpolled.
      const turns = Math.floor((now - slot.next) / this.#intervalMs) + 1;
      slot.next += turns * this.#intervalMs;
      const skipped = slot.busy ? turns : turns - 1;
      if (skipped > 0) {
        overruns ??= new Map();
        overruns.set(d, skipped);
      }
      if (!slot.busy) {
        slot.busy = true;
        start.push(d);
      }
    }
    return { start, overruns: overruns ?? NO_OVERRUNS };
  }

  /** Drops the slots of devices not in `devices`, but for those whose poll still runs. */
  #forgetOthers(devices: readonly string[]): void {
    const wanted = new Set(devices);
    this.#stray = false;
    for (const [d, slot] of this.#slots) {
      if (wanted.has(d)) continue;
      if (slot.busy) this.#stray = true;
      else this.#slots.delete(d);
    }
    this.#wanted = devices;
  }

  /** The poll of `device` ended (well or not). */
  done(device: string): void {
    const slot = this.#slots.get(device);
    if (slot) slot.busy = false;
  }

  /** Whether a poll of `device` is in flight. */
  busy(device: string): boolean {
    return this.#slots.get(device)?.busy ?? false;
  }

  /** Epoch ms of the earliest next turn, or undefined with nothing scheduled. */
  nextTurn(): number | undefined {
    let min: number | undefined;
    for (const s of this.#slots.values()) if (min === undefined || s.next < min) min = s.next;
    return min;
  }
}
