import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import { internLaneThresholds } from '../../core/intern.js';
import { cleanDbm } from './units.js';

/**
 * A transceiver's own alarm and warning bounds (CONTRACT §5 "Module thresholds"), as the
 * adapters hand them to the poller on a binding. Every bound passes the same gate as a reading:
 * a vendor's "not set" (Integer32 extremes, 0 µW, the −40 dBm floor an unset SFF-8472 threshold
 * decodes to, anything above +30 dBm) is null, never a number a lane could be judged against.
 */

export const NO_BOUNDS: Bounds = Object.freeze({
  lowAlarm: null,
  lowWarning: null,
  highWarning: null,
  highAlarm: null,
});

/** One direction's bounds from four dBm values (or nulls), each through the reading gate. */
export function bounds(
  lowAlarm: number | null,
  lowWarning: number | null,
  highWarning: number | null,
  highAlarm: number | null,
): Bounds {
  return {
    lowAlarm: cleanDbm(lowAlarm),
    lowWarning: cleanDbm(lowWarning),
    highWarning: cleanDbm(highWarning),
    highAlarm: cleanDbm(highAlarm),
  };
}

function empty(b: Bounds): boolean {
  return b.lowAlarm === null && b.lowWarning === null && b.highWarning === null && b.highAlarm === null;
}

/**
 * Both directions, or undefined when the module gave no bound at all: PortReading says "absent"
 * rather than "four nulls" so the agent falls back to the config and then the defaults.
 */
export function laneThresholds(rx: Bounds, tx: Bounds): LaneThresholds | undefined {
  // Shared: every module of one model reports the same bounds (core/intern.ts).
  return empty(rx) && empty(tx) ? undefined : internLaneThresholds(rx, tx);
}
