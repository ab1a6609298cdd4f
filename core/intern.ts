import type { Bounds, LaneThresholds } from '../contract/optics.js';

/**
 * Equal values kept as one frozen object. Thousands of ports carry the same few threshold sets
 * (one per transceiver model and port type), and as objects of their own with a boxed number per
 * bound they were about a fifth of the agent's live objects at 10,000 ports: every major
 * collection marked them all. Sharing is only an optimisation, so a table that fills up (a device
 * reporting ever new values) starts over rather than grow.
 */
export class InternTable<T extends object> {
  readonly #limit: number;
  readonly #byKey = new Map<string, T>();

  constructor(limit = 1024) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The one object for `key`: the first that `make` returned for it, frozen. */
  get(key: string, make: () => T): T {
    const had = this.#byKey.get(key);
    if (had) return had;
    if (this.#byKey.size >= this.#limit) this.#byKey.clear();
    const made = Object.freeze(make());
    this.#byKey.set(key, made);
    return made;
  }
}

const bounds = new InternTable<Bounds>();
const laneThresholds = new InternTable<LaneThresholds>();

/** The key of a Bounds' four values; `null` and numbers cannot collide as strings. */
export function boundsKey(b: Bounds): string {
  return `${b.lowAlarm},${b.lowWarning},${b.highWarning},${b.highAlarm}`;
}

/** `b`'s values as the one shared, frozen Bounds. */
export function internBounds(b: Bounds): Bounds {
  return bounds.get(boundsKey(b), () => ({ ...b }));
}

/** Rx and Tx bounds as the one shared, frozen LaneThresholds of those values. */
export function internLaneThresholds(rx: Bounds, tx: Bounds): LaneThresholds {
  return laneThresholds.get(`${boundsKey(rx)}|${boundsKey(tx)}`, () => ({
    rx: internBounds(rx),
    tx: internBounds(tx),
  }));
}
