// What the benchmark's simulated devices serve, shared by the simulator (bench/snmp-sim.ts) and
// the benchmark (bench/snmp.ts), which checks every reading it gets against it.
import { FakeMib } from '../testkit/fakes/snmp-agent.js';

export const SIM_COMMUNITY = 'public';
export const IF_INDEX_BASE = 1000;

export const SIM_OIDS = Object.freeze({
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  /** HH3C-TRANSCEIVER-INFO-MIB hh3cTransceiverCurRXPower / CurTXPower, by ifIndex. */
  rx: '1.3.6.1.4.1.25506.2.70.1.1.1.12',
  tx: '1.3.6.1.4.1.25506.2.70.1.1.1.9',
  /** The module's own bounds (hundredths of dBm, columns 52–59), read once at discovery. */
  thresholdsDbm: '1.3.6.1.4.1.25506.2.70.1.1.1',
});

/**
 * A 10GBASE-LR module's bounds by column: Tx high/low alarm, high/low warning (52–55), then Rx
 * (56–59), as current Comware firmware serves them.
 */
const SIM_THRESHOLDS: readonly (readonly [number, number])[] = [
  [52, 50],
  [53, -820],
  [54, -50],
  [55, -620],
  [56, 50],
  [57, -1440],
  [58, -50],
  [59, -1240],
];

export function simPortName(i: number): string {
  return `Ten-GigabitEthernet1/0/${i}`;
}

/** Readings served for port i, in hundredths of dBm. */
export function simReadings(i: number): { rx: number; tx: number } {
  return { rx: -300 - i, tx: -150 - i };
}

/** One device's objects: ifName, ifAdminStatus, ifOperStatus, Rx/Tx power and the module's bounds for each port. */
export function deviceMib(portsPerDevice: number): FakeMib {
  const mib = new FakeMib();
  mib.ticks(SIM_OIDS.sysUpTime, 8_640_000);
  for (let i = 1; i <= portsPerDevice; i++) {
    const ifIndex = IF_INDEX_BASE + i;
    const { rx, tx } = simReadings(i);
    mib.str(`${SIM_OIDS.ifName}.${ifIndex}`, simPortName(i));
    mib.int(`${SIM_OIDS.ifAdminStatus}.${ifIndex}`, 1).int(`${SIM_OIDS.ifOperStatus}.${ifIndex}`, 1);
    mib.int(`${SIM_OIDS.rx}.${ifIndex}`, rx).int(`${SIM_OIDS.tx}.${ifIndex}`, tx);
    for (const [column, value] of SIM_THRESHOLDS)
      mib.int(`${SIM_OIDS.thresholdsDbm}.${column}.${ifIndex}`, value);
  }
  return mib;
}
