import type { SnmpSettings } from '../../config/load.js';

/**
 * How many varbinds a GET PDU may carry so that the answer fits one Ethernet frame, and how a
 * plan is spread over its PDUs. The poller names the first where it is below the second, and
 * leaves the count to the operator: the worst-case check counts PDUs by it. A count alone
 * (`monitoring.varbindsPerPdu…`) says nothing about bytes: a port's answers are about 100 bytes
 * with short IF-MIB OIDs and a short name, twice that with an enterprise sensor OID per lane and a
 * long ifDescr. An answer larger than a frame is sent in IP fragments, which a lossy management
 * network loses together (one lost fragment loses the answer) and some filters drop outright.
 *
 * The size is estimated from above before anything is sent: the OID as asked, and the largest
 * value the poll can be answered with (an INTEGER, Gauge32 or TimeTicks is at most 7 bytes; a name
 * is the one the interface had when mapped).
 */

/** The UDP payload of one 1,500-byte frame over IPv6 (over IPv4 it is 20 bytes more). */
export const FRAME_PAYLOAD_BYTES = 1_452;

/** Tag, length and up to five content bytes: any value a 32-bit INTEGER or unsigned type takes. */
export const INTEGER_VALUE_BYTES = 7;

/** Bytes of a definite BER length field for `n` content bytes. */
function lengthBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : 4;
}

/**
 * Content bytes of an OID in dotted form (X.690 §8.19: the first two arcs share one
 * sub-identifier; each sub-identifier is base 128, seven bits a byte).
 */
export function oidContentBytes(oid: string): number {
  const arcs = oid.split('.');
  let n = 0;
  const sub = (v: number) => {
    let bytes = 1;
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) bytes++;
    return bytes;
  };
  n += sub(Number(arcs[0] ?? 0) * 40 + Number(arcs[1] ?? 0));
  for (let i = 2; i < arcs.length; i++) n += sub(Number(arcs[i]));
  return n;
}

/** The bytes one varbind of the answer takes at most: its SEQUENCE, the OID, a value of `valueBytes`. */
export function varbindAnswerBytes(oid: string, valueBytes = INTEGER_VALUE_BYTES): number {
  const o = oidContentBytes(oid);
  const content = 1 + lengthBytes(o) + o + valueBytes;
  return 1 + lengthBytes(content) + content;
}

/** An OCTET STRING value's bytes (tag, length, content), for a name of `text`. */
export function stringValueBytes(text: string): number {
  const n = Buffer.byteLength(text, 'utf8');
  return 1 + lengthBytes(n) + n;
}

/**
 * The bytes an answer's varbinds may take on this session: a frame less what a GetResponse holds
 * around them at most. v1/v2c: the message SEQUENCE, version, community, the PDU's tag, request
 * id, error status and index, the varbind list's SEQUENCE. SNMPv3 adds msgGlobalData, the USM
 * parameters (engine id, boots, time, the user, up to 48 bytes of HMAC-SHA-512, the privacy salt)
 * and the scoped PDU's engine id and context name, with room for DES padding.
 */
export function answerBudget(snmp: Pick<SnmpSettings, 'version' | 'community' | 'user' | 'context'>): number {
  const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
  return snmp.version === '3'
    ? budgetFor('3', bytes(snmp.user) + bytes(snmp.context))
    : budgetFor('2c', bytes(snmp.community?.reveal()));
}

/** `answerBudget` by the bytes of the community (v2c), or of the user and context name (v3). */
export function budgetFor(version: '2c' | '3', identityBytes: number): number {
  return FRAME_PAYLOAD_BYTES - (version === '3' ? 210 : 29) - identityBytes;
}

/**
 * The largest count `n ≤ cap` such that any `n` consecutive varbinds of `bytes` fit `budget`: a
 * plan cut at `n` or anything smaller has every answer in one frame. At least 1 (a single varbind
 * larger than the budget can only be asked alone).
 */
export function varbindsThatFit(bytes: readonly number[], cap: number, budget: number): number {
  const prefix = new Array<number>(bytes.length + 1);
  prefix[0] = 0;
  for (let i = 0; i < bytes.length; i++) prefix[i + 1] = prefix[i]! + bytes[i]!;
  const fits = (n: number) => {
    for (let end = Math.min(n, bytes.length); end <= bytes.length; end++) {
      if (prefix[end]! - prefix[Math.max(0, end - n)]! > budget) return false;
    }
    return true;
  };
  let n = Math.max(1, cap);
  while (n > 1 && !fits(n)) n--;
  return n;
}

/**
 * Varbinds a PDU when `total` varbinds go in as few PDUs as `cap` allows, filled evenly: 102
 * varbinds at 60 are two PDUs of 51, not 60 and 42; 101 at 50 are 34, 34 and 33, not a third PDU of
 * one varbind. The PDU count stays the one config/timing.ts counts for the worst case.
 */
export function balancedPduSize(total: number, cap: number): number {
  const pdus = Math.max(1, Math.ceil(total / Math.max(1, cap)));
  return Math.max(1, Math.ceil(total / pdus));
}
