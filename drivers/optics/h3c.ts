import type { LaneThresholds } from '../../contract/optics.js';
import { instanceOid, intValue, isMissing } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';
import {
  ifIndexRows,
  type LaneReading,
  type OpticsAdapter,
  type OpticsBinding,
  type OpticsDiscovery,
  type OpticsPort,
} from './adapter.js';
import { bounds, laneThresholds } from './thresholds.js';
import { centiDbm, microwattsToDbm, RAW_SENTINELS } from './units.js';

/**
 * H3C / HPE Comware: HH3C-TRANSCEIVER-INFO-MIB, hh3cTransceiverInfoTable
 * (1.3.6.1.4.1.25506.2.70.1.1.1), indexed by ifIndex. Powers are Integer32 in hundredths of a
 * dBm; 2147483647 means "not supported / no transceiver". The table carries one total per port
 * (no lanes), so a multi-lane port reports one lane.
 *
 * Power thresholds come twice: in tenths of a microwatt since the 2012 revision (columns 30–37,
 * "10000 is 1 milliwatt"), and in hundredths of a dBm since the 2021 one (columns 52–59). The
 * dBm column wins where it answers; the microwatt one fills in on older firmware.
 */
const T = '1.3.6.1.4.1.25506.2.70.1.1.1';

export const H3C_OIDS = Object.freeze({
  table: T,
  curTxPower: `${T}.9`,
  curRxPower: `${T}.12`,
  pwrOutHiAlarm: `${T}.30`,
  pwrOutLoAlarm: `${T}.31`,
  pwrOutHiWarn: `${T}.32`,
  pwrOutLoWarn: `${T}.33`,
  rcvPwrHiAlarm: `${T}.34`,
  rcvPwrLoAlarm: `${T}.35`,
  rcvPwrHiWarn: `${T}.36`,
  rcvPwrLoWarn: `${T}.37`,
  pwrOutHiAlarmDbm: `${T}.52`,
  pwrOutLoAlarmDbm: `${T}.53`,
  pwrOutHiWarnDbm: `${T}.54`,
  pwrOutLoWarnDbm: `${T}.55`,
  rcvPwrHiAlarmDbm: `${T}.56`,
  rcvPwrLoAlarmDbm: `${T}.57`,
  rcvPwrHiWarnDbm: `${T}.58`,
  rcvPwrLoWarnDbm: `${T}.59`,
});

/**
 * The sixteen threshold columns in `decodeH3cThresholds` order: for rx then tx, low alarm, low
 * warning, high warning, high alarm, first the hundredths-of-dBm columns, then the tenths-of-µW.
 */
export const H3C_THRESHOLD_COLUMNS: readonly string[] = Object.freeze([
  H3C_OIDS.rcvPwrLoAlarmDbm,
  H3C_OIDS.rcvPwrLoWarnDbm,
  H3C_OIDS.rcvPwrHiWarnDbm,
  H3C_OIDS.rcvPwrHiAlarmDbm,
  H3C_OIDS.pwrOutLoAlarmDbm,
  H3C_OIDS.pwrOutLoWarnDbm,
  H3C_OIDS.pwrOutHiWarnDbm,
  H3C_OIDS.pwrOutHiAlarmDbm,
  H3C_OIDS.rcvPwrLoAlarm,
  H3C_OIDS.rcvPwrLoWarn,
  H3C_OIDS.rcvPwrHiWarn,
  H3C_OIDS.rcvPwrHiAlarm,
  H3C_OIDS.pwrOutLoAlarm,
  H3C_OIDS.pwrOutLoWarn,
  H3C_OIDS.pwrOutHiWarn,
  H3C_OIDS.pwrOutHiAlarm,
]);

/** Pure: the two hundredths-of-dBm integers as one lane. */
export function decodeH3c(rxRaw: number | null, txRaw: number | null): LaneReading[] {
  return [{ lane: 1, rxDbm: centiDbm(rxRaw), txDbm: centiDbm(txRaw) }];
}

/** Tenths of a microwatt → dBm; 0 (and the sentinels) is "not given". */
function deciMicrowattsToDbm(raw: number | null): number | null {
  if (raw === null || RAW_SENTINELS.has(raw)) return null;
  return microwattsToDbm(raw / 10);
}

/** Pure: a port's bounds from its sixteen threshold varbinds (H3C_THRESHOLD_COLUMNS order). */
export function decodeH3cThresholds(vbs: readonly (Varbind | undefined)[]): LaneThresholds | undefined {
  const raw = (i: number) => (isMissing(vbs[i]) ? null : intValue(vbs[i]));
  // Bound i (0…7): its dBm column at i, its microwatt column at i + 8.
  const v = (i: number) => centiDbm(raw(i)) ?? deciMicrowattsToDbm(raw(i + 8));
  return laneThresholds(bounds(v(0), v(1), v(2), v(3)), bounds(v(4), v(5), v(6), v(7)));
}

export function h3cBinding(ifIndex: number, thresholds?: LaneThresholds): OpticsBinding {
  return {
    ...(thresholds ? { thresholds } : {}),
    oids: [instanceOid(H3C_OIDS.curRxPower, ifIndex), instanceOid(H3C_OIDS.curTxPower, ifIndex)],
    decode: (vbs, at) => decodeH3c(intValue(vbs[at]), intValue(vbs[at + 1])),
  };
}

export const h3cAdapter: OpticsAdapter = {
  id: 'h3c',
  mib: 'HH3C-TRANSCEIVER-INFO-MIB',
  readsOptics: true,
  // Indexed by ifIndex, so nothing is walked: discovery GETs each port's power and thresholds.
  async discover(reader: SnmpReader, ports: readonly OpticsPort[]): Promise<OpticsDiscovery> {
    const notes: string[] = [];
    // The dBm columns first; the microwatt ones only for ports whose firmware lacks them. Current
    // firmware is then read once, with half the OIDs: at 500 devices the discovery burst of all
    // sixteen columns raised the poller's peak memory by a half (bench:snmp).
    const dbmColumns = H3C_THRESHOLD_COLUMNS.slice(0, 8);
    const cols = [H3C_OIDS.curRxPower, H3C_OIDS.curTxPower, ...dbmColumns];
    const rows = await ifIndexRows(reader, ports, cols, 'hh3cTransceiverInfoTable', notes);
    const none = new Array<undefined>(8);
    // No dBm bound at all (no such column, or every one "not given"): try the microwatt ones.
    const older = ports.filter((p) => {
      const row = rows.get(p.name);
      return row && decodeH3cThresholds([...row.slice(2), ...none]) === undefined;
    });
    const micro =
      older.length > 0
        ? await ifIndexRows(
            reader,
            older,
            [H3C_OIDS.curRxPower, H3C_OIDS.curTxPower, ...H3C_THRESHOLD_COLUMNS.slice(8)],
            'hh3cTransceiverInfoTable',
            notes,
          )
        : undefined;
    const bindings = new Map<string, OpticsBinding>();
    for (const p of ports) {
      const row = rows.get(p.name);
      if (row === null) continue;
      const old = micro?.get(p.name);
      const thresholds = row && [...row.slice(2), ...(old ? old.slice(2) : none)];
      bindings.set(p.name, h3cBinding(p.ifIndex, thresholds && decodeH3cThresholds(thresholds)));
    }
    return { bindings, notes };
  },
};
