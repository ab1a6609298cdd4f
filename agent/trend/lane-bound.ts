import type { Thresholds } from '../../config/defaults.js';

/**
 * The low-alarm Rx bound a lane's trend is forecast against: the one the monitor judges the lane
 * with (the module's own where it gives one, else the config's or the defaults:
 * agent/health/lane-state.ts), the same for every lane of a port.
 */
export function rxLowAlarmDbm(port: { readonly thresholds: Thresholds }, _lane: number): number | null {
  return port.thresholds.rx[0];
}
