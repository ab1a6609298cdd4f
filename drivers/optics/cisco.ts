import type { OpticsAdapter } from './adapter.js';
import { type SensorTableSpec, sensorTableAdapter } from './sensor-table.js';
import { cleanDbm } from './units.js';

/**
 * Cisco: CISCO-ENTITY-SENSOR-MIB entSensorValueTable (1.3.6.1.4.1.9.9.91.1.1.1), indexed by
 * entPhysicalIndex. Transceiver power sensors have entSensorType dBm(14); the value reads
 * value × 10^scale / 10^precision dBm (IOS typically sends units(9) with precision 1, so
 * -23 is -2.3 dBm). The sensor's entPhysicalName says which port and which direction, e.g.
 * "Te1/1 Receive Power Sensor".
 */
const BASE = '1.3.6.1.4.1.9.9.91.1.1.1.1';

export const CISCO_SENSOR_OIDS = Object.freeze({
  type: `${BASE}.1`,
  scale: `${BASE}.2`,
  precision: `${BASE}.3`,
  value: `${BASE}.4`,
  status: `${BASE}.5`,
});

/**
 * entSensorThresholdTable (1.3.6.1.4.1.9.9.91.1.2.1), indexed by (entPhysicalIndex,
 * entSensorThresholdIndex); values in the sensor's own type, scale and precision.
 */
const THRESHOLD = '1.3.6.1.4.1.9.9.91.1.2.1.1';

export const CISCO_THRESHOLD_OIDS = Object.freeze({
  severity: `${THRESHOLD}.2`,
  relation: `${THRESHOLD}.3`,
  value: `${THRESHOLD}.4`,
});

/** SensorDataType dBm(14) of CISCO-ENTITY-SENSOR-MIB. */
export const CISCO_DBM = 14;

export const CISCO_SPEC: SensorTableSpec = {
  id: 'cisco',
  mib: 'CISCO-ENTITY-SENSOR-MIB',
  columns: CISCO_SENSOR_OIDS,
  thresholdColumns: CISCO_THRESHOLD_OIDS,
  powerTypes: new Set([CISCO_DBM]),
  toDbm: (_type, reading) => cleanDbm(reading),
};

export const ciscoAdapter: OpticsAdapter = sensorTableAdapter(CISCO_SPEC);
