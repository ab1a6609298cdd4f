import { createRequire } from 'node:module';
import { compareArcs, firstAfter, TAG } from './wire.js';

export { compareArcs, TAG };

/**
 * One switch's SNMP objects, each kept as its finished BER varbind so a GET is a hash lookup and
 * a copy, and a walk is a binary search over the OIDs in order. Encoding and decoding use
 * asn1-ber, the BER library inside net-snmp, resolved through net-snmp so it is always the copy
 * net-snmp itself runs on (it is not a direct dependency of this package).
 */

interface BerWriter {
  startSequence(tag?: number): void;
  endSequence(): void;
  writeInt(value: number, tag?: number): void;
  writeBuffer(buf: Buffer, tag?: number): void;
  writeOID(oid: string, tag?: number): void;
  readonly buffer: Buffer;
}

interface BerReader {
  readSequence(tag?: number): number | null;
  readInt(tag?: number): number | null;
  readString(tag: number, asBuffer: true): Buffer | null;
  readOID(tag?: number): string | null;
  peek(): number | null;
  readonly offset: number;
  readonly length: number;
}

interface Asn1Ber {
  Ber: {
    Writer: new (options?: { size?: number }) => BerWriter;
    Reader: new (data: Buffer) => BerReader;
  };
}

const requireHere = createRequire(import.meta.url);
const ber = createRequire(requireHere.resolve('net-snmp'))('asn1-ber') as Asn1Ber;

export function berWriter(size = 64): BerWriter {
  return new ber.Ber.Writer({ size });
}

export function berReader(data: Buffer): BerReader {
  return new ber.Ber.Reader(data);
}

export type SnmpValue =
  | { type: 'integer' | 'gauge' | 'counter' | 'ticks'; value: number }
  | { type: 'string'; value: string }
  | { type: 'oid'; value: string };

export interface MibRow {
  oid: string;
  value: SnmpValue;
}

export const int = (value: number): SnmpValue => ({ type: 'integer', value });
export const gauge = (value: number): SnmpValue => ({ type: 'gauge', value: Math.min(value, 4_294_967_295) });
export const ticks = (value: number): SnmpValue => ({ type: 'ticks', value: value % 4_294_967_296 });
export const str = (value: string): SnmpValue => ({ type: 'string', value });
export const oidValue = (value: string): SnmpValue => ({ type: 'oid', value });

const VALUE_TAG: Readonly<Record<SnmpValue['type'], number>> = {
  integer: TAG.Integer,
  gauge: TAG.Gauge32,
  counter: TAG.Counter32,
  ticks: TAG.TimeTicks,
  string: TAG.OctetString,
  oid: TAG.OID,
};

/** The whole varbind (SEQUENCE of name and value), copied out of the writer's scratch buffer. */
export function encodeVarbind(oid: string, value: SnmpValue | { tag: number }): Buffer {
  const w = berWriter(
    32 + oid.length + ('value' in value && typeof value.value === 'string' ? value.value.length : 8),
  );
  w.startSequence();
  w.writeOID(oid);
  if ('tag' in value) w.writeBuffer(Buffer.alloc(0), value.tag);
  else if (value.type === 'string') w.writeBuffer(Buffer.from(value.value, 'utf8'), TAG.OctetString);
  else if (value.type === 'oid') w.writeOID(value.value, TAG.OID);
  else w.writeInt(value.value, VALUE_TAG[value.type]);
  w.endSequence();
  return Buffer.from(w.buffer);
}

export function toArcs(oid: string): number[] {
  return oid.split('.').map(Number);
}

interface Entry {
  readonly oid: string;
  readonly arcs: readonly number[];
  /** Change detection without re-encoding. */
  key: string;
  varbind: Buffer;
  /** Values computed at read time (sysUpTime). */
  readonly dynamic?: () => SnmpValue;
}

function valueKey(v: SnmpValue): string {
  return `${v.type}:${v.value}`;
}

export class MibView {
  readonly #entries = new Map<string, Entry>();
  #sorted: Entry[] | null = null;

  get size(): number {
    return this.#entries.size;
  }

  set(oid: string, value: SnmpValue): void {
    const key = valueKey(value);
    const e = this.#entries.get(oid);
    if (e) {
      if (e.key !== key) {
        e.key = key;
        e.varbind = encodeVarbind(oid, value);
      }
      return;
    }
    this.#entries.set(oid, { oid, arcs: toArcs(oid), key, varbind: encodeVarbind(oid, value) });
    this.#sorted = null;
  }

  setRows(rows: readonly MibRow[]): void {
    for (const r of rows) this.set(r.oid, r.value);
  }

  /** An object whose value is computed on every read. */
  setDynamic(oid: string, compute: () => SnmpValue): void {
    this.#entries.set(oid, { oid, arcs: toArcs(oid), key: '', varbind: Buffer.alloc(0), dynamic: compute });
    this.#sorted = null;
  }

  /** Drops every object (a renumbered switch is served again from scratch). */
  clear(): void {
    this.#entries.clear();
    this.#sorted = null;
  }

  delete(oid: string): void {
    if (this.#entries.delete(oid)) this.#sorted = null;
  }

  #varbind(e: Entry): Buffer {
    return e.dynamic ? encodeVarbind(e.oid, e.dynamic()) : e.varbind;
  }

  get(oid: string): Buffer | undefined {
    const e = this.#entries.get(oid);
    return e ? this.#varbind(e) : undefined;
  }

  has(oid: string): boolean {
    return this.#entries.has(oid);
  }

  /** The first object after `arcs`, for GETNEXT and GETBULK. */
  next(arcs: readonly number[]): { oid: string; arcs: readonly number[]; varbind: Buffer } | undefined {
    if (!this.#sorted) this.#sorted = [...this.#entries.values()].sort((a, b) => compareArcs(a.arcs, b.arcs));
    const e = firstAfter(this.#sorted, arcs);
    return e ? { oid: e.oid, arcs: e.arcs, varbind: this.#varbind(e) } : undefined;
  }
}
