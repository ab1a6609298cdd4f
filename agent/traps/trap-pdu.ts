/**
 * What a received trap says, read from net-snmp's decoded PDU. Pure. Only linkDown and linkUp
 * are hints (CONTRACT §5 "Traps"); a v1 trap is normalised through its generic-trap number.
 */

export type TrapType = 'linkDown' | 'linkUp' | 'other';

const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
const V2_TYPES: Readonly<Record<string, TrapType>> = {
  '1.3.6.1.6.3.1.1.5.3': 'linkDown',
  '1.3.6.1.6.3.1.1.5.4': 'linkUp',
};
/** RFC 1157 generic-trap numbers. */
const V1_GENERIC: Readonly<Record<number, TrapType>> = { 2: 'linkDown', 3: 'linkUp' };
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1.';
/** net-snmp's PDU type tags. */
const PDU_TRAP_V1 = 164;

export interface TrapPdu {
  readonly type: number;
  readonly generic?: number;
  readonly varbinds?: readonly { readonly oid: string; readonly value: unknown }[];
}

export interface TrapFacts {
  readonly type: TrapType;
  /** The ifIndex varbind's value, when the trap names one. */
  readonly ifIndex: number | null;
}

export function readTrap(pdu: TrapPdu): TrapFacts {
  const varbinds = Array.isArray(pdu.varbinds) ? pdu.varbinds : [];
  let type: TrapType = 'other';
  if (pdu.type === PDU_TRAP_V1) type = V1_GENERIC[pdu.generic ?? -1] ?? 'other';
  else {
    const trapOid = varbinds.find((vb) => vb.oid === SNMP_TRAP_OID)?.value;
    if (typeof trapOid === 'string') type = V2_TYPES[trapOid] ?? 'other';
  }
  const idx = varbinds.find((vb) => vb.oid.startsWith(IF_INDEX))?.value;
  return { type, ifIndex: typeof idx === 'number' && Number.isInteger(idx) ? idx : null };
}
