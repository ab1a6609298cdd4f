// A minimal SNMP v1/v2c BER codec for fake agents and the benchmark simulator. It is written
// for control, not completeness: tests need to send replies no real agent sends (tooBig,
// truncated packets, wrong value types), and the simulator needs to answer thousands of GETs a
// second with prebuilt byte strings.

import { TAG } from '../../lab/snmp/wire.js';

export { compareArcs, TAG } from '../../lab/snmp/wire.js';

export const ERROR_STATUS = {
  noError: 0,
  tooBig: 1,
  noSuchName: 2,
  badValue: 3,
  readOnly: 4,
  genErr: 5,
} as const;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export function encodeInteger(value: number, tag: number = TAG.Integer): Buffer {
  const bytes: number[] = [];
  // Unsigned application types (Counter32, Gauge32, TimeTicks) need a leading zero above 2^31.
  let v = BigInt(value);
  for (;;) {
    bytes.unshift(Number(v & 0xffn));
    const rest = v >> 8n;
    const top = bytes[0]! & 0x80;
    if ((rest === 0n && top === 0) || (rest === -1n && top !== 0)) break;
    v = rest;
  }
  return tlv(tag, Buffer.from(bytes));
}

export function encodeOctets(value: Buffer | string, tag: number = TAG.OctetString): Buffer {
  return tlv(tag, typeof value === 'string' ? Buffer.from(value, 'latin1') : value);
}

export function encodeNull(tag: number = TAG.Null): Buffer {
  return Buffer.from([tag, 0]);
}

/** OID content bytes (no tag/length): the key the simulator indexes values by. */
export function oidContent(oid: string | readonly number[]): Buffer {
  const arcs = typeof oid === 'string' ? oid.split('.').map(Number) : oid;
  if (arcs.length < 2) throw new Error(`OID needs two arcs: ${String(oid)}`);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (let i = 2; i < arcs.length; i++) {
    let a = arcs[i]!;
    const chunk = [a & 0x7f];
    a = Math.floor(a / 128);
    while (a > 0) {
      chunk.unshift((a & 0x7f) | 0x80);
      a = Math.floor(a / 128);
    }
    out.push(...chunk);
  }
  return Buffer.from(out);
}

export function encodeOid(oid: string | readonly number[]): Buffer {
  return tlv(TAG.OID, oidContent(oid));
}

export function decodeOidContent(buf: Buffer): number[] {
  if (buf.length === 0) return [];
  const first = buf[0]!;
  const arcs = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  let acc = 0;
  for (let i = 1; i < buf.length; i++) {
    const b = buf[i]!;
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    }
  }
  return arcs;
}

export function varbind(oidTlv: Buffer, valueTlv: Buffer): Buffer {
  return tlv(TAG.Sequence, Buffer.concat([oidTlv, valueTlv]));
}

/** Reads one TLV at `pos`; returns tag, content bounds and the position after it. */
export function readTlv(buf: Buffer, pos: number): { tag: number; start: number; end: number } {
  if (pos + 2 > buf.length) throw new Error('truncated TLV');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > buf.length) throw new Error('bad BER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('truncated TLV content');
  return { tag, start, end };
}

function readInt(buf: Buffer, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + buf[i]!;
  const bits = (end - start) * 8;
  if (end > start && buf[start]! & 0x80) v -= 2 ** bits;
  return v;
}

export interface DecodedVarbind {
  /** OID content bytes as a latin1 string: cheap to hash, exact to compare. */
  key: string;
  /** OID content bytes; `decodeOidContent` turns them into arcs when ordering matters. */
  content: Buffer;
  valueTag: number;
  value: Buffer;
}

export interface DecodedRequest {
  version: number;
  community: string;
  pduType: number;
  requestId: number;
  /** errorStatus in a plain PDU, nonRepeaters in GetBulk. */
  field2: number;
  /** errorIndex in a plain PDU, maxRepetitions in GetBulk. */
  field3: number;
  varbinds: DecodedVarbind[];
}

export function decodeMessage(buf: Buffer): DecodedRequest {
  const msg = readTlv(buf, 0);
  if (msg.tag !== TAG.Sequence) throw new Error('not a SEQUENCE');
  const ver = readTlv(buf, msg.start);
  const comm = readTlv(buf, ver.end);
  const pdu = readTlv(buf, comm.end);
  const rid = readTlv(buf, pdu.start);
  const f2 = readTlv(buf, rid.end);
  const f3 = readTlv(buf, f2.end);
  const list = readTlv(buf, f3.end);
  const varbinds: DecodedVarbind[] = [];
  let p = list.start;
  while (p < list.end) {
    const vb = readTlv(buf, p);
    const oid = readTlv(buf, vb.start);
    const val = readTlv(buf, oid.end);
    const content = buf.subarray(oid.start, oid.end);
    varbinds.push({
      key: content.toString('latin1'),
      content,
      valueTag: val.tag,
      value: buf.subarray(val.start, val.end),
    });
    p = vb.end;
  }
  return {
    version: readInt(buf, ver.start, ver.end),
    community: buf.toString('latin1', comm.start, comm.end),
    pduType: pdu.tag,
    requestId: readInt(buf, rid.start, rid.end),
    field2: readInt(buf, f2.start, f2.end),
    field3: readInt(buf, f3.start, f3.end),
    varbinds,
  };
}

export interface ResponseParts {
  version: number;
  community: string;
  requestId: number;
  errorStatus?: number;
  errorIndex?: number;
  /** Each a whole varbind TLV (see `varbind`). */
  varbinds: readonly Buffer[];
  pduType?: number;
}

export function encodeMessage(r: ResponseParts): Buffer {
  const pdu = tlv(
    r.pduType ?? TAG.Response,
    Buffer.concat([
      encodeInteger(r.requestId),
      encodeInteger(r.errorStatus ?? 0),
      encodeInteger(r.errorIndex ?? 0),
      tlv(TAG.Sequence, Buffer.concat(r.varbinds as Buffer[])),
    ]),
  );
  return tlv(TAG.Sequence, Buffer.concat([encodeInteger(r.version), encodeOctets(r.community), pdu]));
}
