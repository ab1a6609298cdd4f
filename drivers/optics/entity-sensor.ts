import type { OpticsAdapter } from './adapter.js';
import { type SensorTableSpec, sensorTableAdapter } from './sensor-table.js';
import { cleanDbm, wattsToDbm } from './units.js';

/**
 * RFC 3433 ENTITY-SENSOR-MIB entPhySensorTable (1.3.6.1.2.1.99.1.1), indexed by
 * entPhysicalIndex. Optical power comes as watts(6) with entPhySensorScale (usually milli or
 * micro) and entPhySensorPrecision; it is converted to dBm, and 0 W is no light. Some agents
 * (Arista among them) put dBm straight into this table with the value 14 borrowed from
 * CISCO-ENTITY-SENSOR-MIB; that is accepted as already in dBm.
 */
const BASE = '1.3.6.1.2.1.99.1.1.1';

export const ENTITY_SENSOR_OIDS = Object.freeze({
  type: `${BASE}.1`,
  scale: `${BASE}.2`,
  precision: `${BASE}.3`,
  value: `${BASE}.4`,
  status: `${BASE}.5`,
});

/** EntitySensorDataType watts(6). */
export const SENSOR_WATTS = 6;
export const SENSOR_DBM = 14;

export const ENTITY_SENSOR_SPEC: SensorTableSpec = {
  id: 'entity-sensor',
  mib: 'ENTITY-SENSOR-MIB',
  columns: ENTITY_SENSOR_OIDS,
  powerTypes: new Set([SENSOR_WATTS, SENSOR_DBM]),
  toDbm: (type, reading) => (type === SENSOR_WATTS ? wattsToDbm(reading) : cleanDbm(reading)),
};

export const entitySensorAdapter: OpticsAdapter = sensorTableAdapter(ENTITY_SENSOR_SPEC);
