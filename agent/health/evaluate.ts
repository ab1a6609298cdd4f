import type { Thresholds } from '../../config/defaults.js';
import type { AvailabilityReason, IfStatus } from '../../contract/events.js';

/**
 * The health verdict of CONTRACT §5, as a pure function of one reading and the port's effective
 * thresholds (already resolved port > device > global > defaults by the config loader).
 *
 * - Healthy means admin up, oper up, and every lane's Rx and Tx inside [min, max] (inclusive).
 * - Optics are judged only when admin is up: a port shut on purpose is `admin-down`, nothing else.
 * - The worst lane decides: one lane out of range makes the port unhealthy.
 * - A missing reading (null: a sentinel, a dark port, no transceiver found) on an admin-up port
 *   is `rx-low` / `tx-low`. No light is no light, and a port that cannot show its light has not
 *   shown it is healthy; the alternative, skipping nulls, would call a dark port healthy.
 * - A device whose optics are not read at all (`optics: none`) is judged on status alone.
 */

export type HealthReason = Exclude<AvailabilityReason, 'recovered'>;

/** Most severe first; an unhealthy verdict's first reason is the one an event carries. */
export const REASON_ORDER: readonly HealthReason[] = [
  'admin-down',
  'oper-down',
  'rx-low',
  'rx-high',
  'tx-low',
  'tx-high',
];

export interface HealthInput {
  readonly adminStatus: IfStatus;
  readonly operStatus: IfStatus;
  readonly lanes: readonly { readonly rxDbm: number | null; readonly txDbm: number | null }[];
  /** False when optics are not read for this device: then they are not judged. */
  readonly opticsRead: boolean;
}

export interface Verdict {
  readonly healthy: boolean;
  /** Unique, in REASON_ORDER; empty when healthy. */
  readonly reasons: readonly HealthReason[];
}

const HEALTHY: Verdict = Object.freeze({
  healthy: true,
  reasons: Object.freeze([]) as readonly HealthReason[],
});

/** Which side of [min, max] a reading is on; null counts as below (no light). */
function judge(v: number | null, range: readonly [number, number]): -1 | 0 | 1 {
  if (v === null) return -1;
  if (v < range[0]) return -1;
  if (v > range[1]) return 1;
  return 0;
}

export function evaluateHealth(input: HealthInput, thresholds: Thresholds): Verdict {
  if (input.adminStatus !== 'up') return { healthy: false, reasons: ['admin-down'] };
  // Bit per reason, in REASON_ORDER, so no arrays are built on the healthy path.
  let bits = 0;
  if (input.operStatus !== 'up') bits |= 2;
  if (input.opticsRead) {
    const lanes = input.lanes;
    if (lanes.length === 0) bits |= 4 | 16;
    for (let i = 0; i < lanes.length; i++) {
      const l = lanes[i]!;
      const rx = judge(l.rxDbm, thresholds.rx);
      if (rx < 0) bits |= 4;
      else if (rx > 0) bits |= 8;
      const tx = judge(l.txDbm, thresholds.tx);
      if (tx < 0) bits |= 16;
      else if (tx > 0) bits |= 32;
    }
  }
  if (bits === 0) return HEALTHY;
  const reasons: HealthReason[] = [];
  for (let i = 1; i < REASON_ORDER.length; i++) if (bits & (1 << i)) reasons.push(REASON_ORDER[i]!);
  return { healthy: false, reasons };
}

/** The reason an availability event carries for an unhealthy verdict. */
export function primaryReason(v: Verdict): HealthReason | undefined {
  return v.reasons[0];
}
