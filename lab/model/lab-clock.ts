/**
 * The lab's sense of time for slow physics (a drift of light over days): real time sped up by
 * `factor` from the moment the lab starts, so a test sees a day of drift in seconds. Everything
 * else in the lab (link-up delay, flaps, reboots, sysUpTime) keeps real time: an agent's SNMP
 * timeouts and poll grid must not be squeezed. An agent under test takes `now` as its optics clock.
 */
export class LabClock {
  readonly #epoch: number;

  constructor(
    readonly factor = 1,
    epoch = Date.now(),
  ) {
    if (!(factor >= 1 && factor <= 1_000_000)) throw new RangeError('lab clock factor must be 1..1000000');
    this.#epoch = epoch;
  }

  /** Epoch ms on the lab's clock. */
  now = (): number => this.#epoch + (Date.now() - this.#epoch) * this.factor;
}

/** Light moving by `dbPerHour` of lab time from `since` (lab ms), with seeded ±`noiseDb` on every reading. */
export interface Drift {
  readonly dbPerHour: number;
  readonly noiseDb: number;
  readonly since: number;
  readonly random: () => number;
}

/** dB a drift has moved the light by at lab time `now`, noise included. */
export function driftDb(d: Drift, now: number): number {
  const trend = (d.dbPerHour * (now - d.since)) / 3_600_000;
  return d.noiseDb > 0 ? trend + (d.random() * 2 - 1) * d.noiseDb : trend;
}
