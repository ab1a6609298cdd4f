import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Plays a port's physics on snmpsimd through writecache values (the `snmp` C tools). */
export class SnmpPhysics {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly community: string,
  ) {}

  async set(values: [oid: string, value: number][]): Promise<void> {
    const args = ['-v2c', '-c', this.community, '-t', '2', '-r', '1', `${this.host}:${this.port}`];
    for (const [oid, v] of values) args.push(oid, 'i', String(v));
    await run('snmpset', args, { timeout: 10_000 });
  }
}

const IF_ADMIN = '1.3.6.1.2.1.2.2.1.7';
const IF_OPER = '1.3.6.1.2.1.2.2.1.8';
const H3C_TX = '1.3.6.1.4.1.25506.2.70.1.1.1.9';
const H3C_RX = '1.3.6.1.4.1.25506.2.70.1.1.1.12';
const NO_READING = 2147483647;

/** An H3C-style port (HH3C-TRANSCEIVER-INFO-MIB, hundredths of dBm) on snmpsimd. */
export function h3cPort(physics: SnmpPhysics, ifIndex: number) {
  return {
    /** Admin up, link up, light at the given dBm. */
    up: (rxDbm: number, txDbm: number) =>
      physics.set([
        [`${IF_ADMIN}.${ifIndex}`, 1],
        [`${IF_OPER}.${ifIndex}`, 1],
        [`${H3C_RX}.${ifIndex}`, Math.round(rxDbm * 100)],
        [`${H3C_TX}.${ifIndex}`, Math.round(txDbm * 100)],
      ]),
    /** The customer's fibre is cut: no Rx light, link down, laser still on. */
    cut: (txDbm: number) =>
      physics.set([
        [`${IF_OPER}.${ifIndex}`, 2],
        [`${H3C_RX}.${ifIndex}`, NO_READING],
        [`${H3C_TX}.${ifIndex}`, Math.round(txDbm * 100)],
      ]),
    dark: () =>
      physics.set([
        [`${IF_ADMIN}.${ifIndex}`, 2],
        [`${IF_OPER}.${ifIndex}`, 2],
        [`${H3C_RX}.${ifIndex}`, NO_READING],
        [`${H3C_TX}.${ifIndex}`, NO_READING],
      ]),
  };
}
