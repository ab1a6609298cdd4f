import { intValue } from '../mib/mib.js';
import type { LaneReading, OpticsAdapter, OpticsBinding, OpticsDiscovery, OpticsPort } from './adapter.js';
import { centiDbm } from './units.js';

/**
 * H3C / HPE Comware: HH3C-TRANSCEIVER-INFO-MIB, hh3cTransceiverInfoTable
 * (1.3.6.1.4.1.25506.2.70.1.1.1), indexed by ifIndex. Powers are Integer32 in hundredths of a
 * dBm; 2147483647 means "not supported / no transceiver". The table carries one total per port
 * (no lanes), so a multi-lane port reports one lane.
 */
export const H3C_OIDS = Object.freeze({
  table: '1.3.6.1.4.1.25506.2.70.1.1.1',
  curTxPower: '1.3.6.1.4.1.25506.2.70.1.1.1.9',
  curRxPower: '1.3.6.1.4.1.25506.2.70.1.1.1.12',
});

/** Pure: the two hundredths-of-dBm integers as one lane. */
export function decodeH3c(rxRaw: number | null, txRaw: number | null): LaneReading[] {
  return [{ lane: 1, rxDbm: centiDbm(rxRaw), txDbm: centiDbm(txRaw) }];
}

export function h3cBinding(ifIndex: number): OpticsBinding {
  return {
    oids: [`${H3C_OIDS.curRxPower}.${ifIndex}`, `${H3C_OIDS.curTxPower}.${ifIndex}`],
    decode: (vbs, at) => decodeH3c(intValue(vbs[at]), intValue(vbs[at + 1])),
  };
}

export const h3cAdapter: OpticsAdapter = {
  id: 'h3c',
  mib: 'HH3C-TRANSCEIVER-INFO-MIB',
  readsOptics: true,
  // Indexed by ifIndex, so there is nothing to discover.
  discover: async (_reader, ports: readonly OpticsPort[]): Promise<OpticsDiscovery> => ({
    bindings: new Map(ports.map((p) => [p.name, h3cBinding(p.ifIndex)])),
    notes: [],
  }),
};
