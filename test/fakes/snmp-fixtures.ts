// The simulated devices in test/fixtures/snmprec/dcagent-*.snmprec, as data: which ports they
// have, and how a test moves a port from "down and dark" to "up with light" through snmpsimd's
// writecache with the C `snmpset`, and the exact readings that must then come back.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import type { PortType } from '../../contract/port-types.js';
import type { LaneReading, OpticsAdapterId } from '../../drivers/optics/adapter.js';

const run = promisify(execFile);

/** `snmpset` value types: i = INTEGER, s = STRING. */
export type SetOp = readonly [oid: string, type: 'i' | 's', value: string];

export interface PortMove {
  readonly port: string;
  readonly dark: readonly SetOp[];
  readonly lit: readonly SetOp[];
  /** Lanes once lit (dBm, exactly). */
  readonly litLanes: readonly LaneReading[];
}

export interface FixtureDevice {
  /** File name without .snmprec: the v2c community and the v3 context. */
  readonly community: string;
  readonly optics: OpticsAdapterId;
  readonly ports: readonly { readonly name: string; readonly portType: PortType; readonly lanes: number }[];
  readonly moves: readonly PortMove[];
  /**
   * What the module itself says its bounds are (PortReading.moduleThresholds), exactly, per port;
   * a port missing here has none (no module, or a MIB without thresholds).
   */
  readonly moduleThresholds: Readonly<Record<string, LaneThresholds>>;
}

/** One direction's bounds, in the contract's order, for expected values. */
export const bounds = (
  lowAlarm: number | null,
  lowWarning: number | null,
  highWarning: number | null,
  highAlarm: number | null,
): Bounds => ({ lowAlarm, lowWarning, highWarning, highAlarm });
const b = bounds;
const NONE = b(null, null, null, null);
/** A 10GBASE-LR module's bounds as the fixtures spell them in each vendor's unit. */
const LR: LaneThresholds = { rx: b(-14.4, -12.4, 0.5, 2.5), tx: b(-8.2, -6.2, 0.5, 2.5) };
/** A 100GBASE-LR4 module's (per lane). */
const LR4: LaneThresholds = { rx: b(-10.6, -8.6, 4.5, 5.5), tx: b(-4.3, -2.3, 4.5, 5.5) };

const ADMIN = '1.3.6.1.2.1.2.2.1.7';
const OPER = '1.3.6.1.2.1.2.2.1.8';
const status = (ifIndex: number, admin: number, oper: number): SetOp[] => [
  [`${ADMIN}.${ifIndex}`, 'i', String(admin)],
  [`${OPER}.${ifIndex}`, 'i', String(oper)],
];
const ten = (name: string) => ({ name, portType: '10GBASE-LR' as const, lanes: 1 });
const lr4 = (name: string) => ({ name, portType: '100GBASE-LR4' as const, lanes: 4 });

const HW = '1.3.6.1.4.1.2011.5.25.31.1.1.3.1';
const H3C = '1.3.6.1.4.1.25506.2.70.1.1.1';
const JNX_LANE = '1.3.6.1.4.1.2636.3.60.1.2.1.1';
const CISCO = '1.3.6.1.4.1.9.9.91.1.1.1.1';
const ENT = '1.3.6.1.2.1.99.1.1.1';

const JUNIPER_LIT: readonly (readonly [number, number])[] = [
  [-150, 120],
  [-210, 110],
  [-190, 130],
  [-170, 100],
];

export const FIXTURE_DEVICES: readonly FixtureDevice[] = [
  {
    community: 'dcagent-huawei',
    optics: 'huawei',
    ports: [ten('10GE1/0/1'), lr4('100GE1/0/2'), ten('10GE1/0/3'), ten('10GE1/0/4')],
    // 10GE1/0/3 has no module; 10GE1/0/4's firmware has only the alarm columns, tx high is -1.
    moduleThresholds: {
      '10GE1/0/1': LR,
      '100GE1/0/2': LR4,
      '10GE1/0/4': { rx: b(-14.4, null, null, 2.5), tx: b(-8.2, null, null, null) },
    },
    moves: [
      {
        port: '10GE1/0/1',
        dark: [...status(41001, 2, 2), [`${HW}.8.4110001`, 'i', '-4000'], [`${HW}.9.4110001`, 'i', '-4000']],
        lit: [...status(41001, 1, 1), [`${HW}.8.4110001`, 'i', '-312'], [`${HW}.9.4110001`, 'i', '-205']],
        litLanes: [{ lane: 1, rxDbm: -3.12, txDbm: -2.05 }],
      },
      {
        port: '100GE1/0/2',
        dark: [...status(41002, 2, 2), [`${HW}.32.4110002`, 's', 'N/A'], [`${HW}.33.4110002`, 's', 'N/A']],
        lit: [
          ...status(41002, 1, 1),
          [`${HW}.32.4110002`, 's', '114,32,-90,-228'],
          [`${HW}.33.4110002`, 's', '94,-39,33,-58'],
        ],
        litLanes: [
          { lane: 1, rxDbm: 1.14, txDbm: 0.94 },
          { lane: 2, rxDbm: 0.32, txDbm: -0.39 },
          { lane: 3, rxDbm: -0.9, txDbm: 0.33 },
          { lane: 4, rxDbm: -2.28, txDbm: -0.58 },
        ],
      },
    ],
  },
  {
    community: 'dcagent-h3c',
    optics: 'h3c',
    ports: [ten('Ten-GigabitEthernet1/0/1'), ten('Ten-GigabitEthernet1/0/2')],
    // 1/0/1 from the hundredths-of-dBm columns; 1/0/2 from the tenths-of-µW ones, tx high warning unset.
    moduleThresholds: {
      'Ten-GigabitEthernet1/0/1': LR,
      'Ten-GigabitEthernet1/0/2': { rx: LR.rx, tx: b(-8.2, -6.2, null, 2.5) },
    },
    moves: [
      {
        port: 'Ten-GigabitEthernet1/0/1',
        dark: [
          ...status(42001, 2, 2),
          [`${H3C}.12.42001`, 'i', '2147483647'],
          [`${H3C}.9.42001`, 'i', '2147483647'],
        ],
        lit: [...status(42001, 1, 1), [`${H3C}.12.42001`, 'i', '-731'], [`${H3C}.9.42001`, 'i', '-112']],
        litLanes: [{ lane: 1, rxDbm: -7.31, txDbm: -1.12 }],
      },
    ],
  },
  {
    community: 'dcagent-juniper',
    optics: 'juniper',
    ports: [ten('xe-0/0/1'), lr4('et-0/0/2')],
    moduleThresholds: { 'xe-0/0/1': LR, 'et-0/0/2': LR4 },
    moves: [
      {
        port: 'et-0/0/2',
        dark: [
          ...status(43002, 2, 2),
          ...[0, 1, 2, 3].flatMap((l): SetOp[] => [
            [`${JNX_LANE}.6.43002.${l}`, 'i', '-4000'],
            [`${JNX_LANE}.8.43002.${l}`, 'i', '-4000'],
          ]),
        ],
        lit: [
          ...status(43002, 1, 1),
          ...JUNIPER_LIT.flatMap(([rx, tx], l): SetOp[] => [
            [`${JNX_LANE}.6.43002.${l}`, 'i', String(rx)],
            [`${JNX_LANE}.8.43002.${l}`, 'i', String(tx)],
          ]),
        ],
        litLanes: JUNIPER_LIT.map(([rx, tx], l) => ({ lane: l + 1, rxDbm: rx / 100, txDbm: tx / 100 })),
      },
    ],
  },
  {
    community: 'dcagent-cisco',
    optics: 'cisco',
    ports: [ten('TenGigabitEthernet1/1'), ten('TenGigabitEthernet1/10')],
    // Te1/1 IOS style (major/minor), Te1/10 IOS XR style on Rx and no rows for Tx.
    moduleThresholds: {
      'TenGigabitEthernet1/1': LR,
      'TenGigabitEthernet1/10': { rx: LR.rx, tx: NONE },
    },
    moves: [
      {
        port: 'TenGigabitEthernet1/1',
        dark: [
          ...status(44001, 2, 2),
          [`${CISCO}.4.4410011`, 'i', '-400'],
          [`${CISCO}.5.4410011`, 'i', '2'],
          [`${CISCO}.4.4410012`, 'i', '-40000'],
        ],
        lit: [
          ...status(44001, 1, 1),
          [`${CISCO}.4.4410011`, 'i', '-23'],
          [`${CISCO}.5.4410011`, 'i', '1'],
          [`${CISCO}.4.4410012`, 'i', '-1850'],
        ],
        litLanes: [{ lane: 1, rxDbm: -2.3, txDbm: -1.85 }],
      },
    ],
  },
  {
    community: 'dcagent-entity-sensor',
    optics: 'entity-sensor',
    ports: [ten('Ethernet1'), lr4('Ethernet49/1')],
    // RFC 3433 ENTITY-SENSOR-MIB has no thresholds.
    moduleThresholds: {},
    moves: [
      {
        port: 'Ethernet1',
        dark: [...status(45001, 2, 2), [`${ENT}.4.4510011`, 'i', '0'], [`${ENT}.4.4510012`, 'i', '0']],
        lit: [...status(45001, 1, 1), [`${ENT}.4.4510011`, 'i', '5012'], [`${ENT}.4.4510012`, 'i', '6310']],
        litLanes: [{ lane: 1, rxDbm: -3, txDbm: -2 }],
      },
    ],
  },
];

export function fixtureDevice(community: string): FixtureDevice {
  const d = FIXTURE_DEVICES.find((x) => x.community === community);
  if (!d) throw new Error(`no fixture device ${community}`);
  return d;
}

/** Applies SETs through the C net-snmp tools, the way an operator's script would. */
export async function snmpset(
  target: { host: string; port: number },
  community: string,
  ops: readonly SetOp[],
): Promise<void> {
  if (ops.length === 0) return;
  const args = ['-v2c', '-c', community, '-t', '3', '-r', '1', `${target.host}:${target.port}`];
  for (const [oid, type, value] of ops) args.push(oid, type, value);
  const { stdout } = await run('snmpset', args, { timeout: 20_000 });
  // snmpset prints one line per varbind it set; a refused SET exits non-zero (and throws above).
  const lines = stdout.trim().split('\n').filter(Boolean);
  if (lines.length !== ops.length) throw new Error(`snmpset set ${lines.length} of ${ops.length}: ${stdout}`);
  // snmpsim answers a SET on a read-only record with noSuchInstance instead of an error.
  const refused = lines.filter((l) => /No Such/i.test(l));
  if (refused.length > 0) throw new Error(`snmpset: not writable in ${community}: ${refused.join('; ')}`);
}
