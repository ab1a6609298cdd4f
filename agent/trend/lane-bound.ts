import type { PortConfig } from '../../config/load.js';

/**
 * The low-alarm Rx bound a lane's trend is forecast against: the one the monitor judges the lane
 * with. Today that is the port's effective thresholds (port, device, `monitoring.thresholds`,
 * defaults), the same for every lane; the one place to change when lanes get bounds of their own.
 */
export function rxLowAlarmDbm(port: Pick<PortConfig, 'thresholds'>, _lane: number): number | null {
  return port.thresholds.rx[0];
}
