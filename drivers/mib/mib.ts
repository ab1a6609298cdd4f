import { IF_STATUSES, type IfStatus } from '../../contract/events.js';
import { type Varbind, VarbindType } from '../transport/snmp.js';

/** Standard OIDs the poller and the resolvers use (IF-MIB RFC 2863, ENTITY-MIB RFC 6933). */
export const OID = Object.freeze({
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  /** Counter32; IF-MIB has no 64-bit error counter (docs/snmp.md "Qualification"). */
  ifInErrors: '1.3.6.1.2.1.2.2.1.14',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  /** ifIndex column, the prefix of an entAliasMappingIdentifier that points at an interface. */
  ifIndex: '1.3.6.1.2.1.2.2.1.1',
  entPhysicalDescr: '1.3.6.1.2.1.47.1.1.1.1.2',
  entPhysicalContainedIn: '1.3.6.1.2.1.47.1.1.1.1.4',
  entPhysicalClass: '1.3.6.1.2.1.47.1.1.1.1.5',
  entPhysicalName: '1.3.6.1.2.1.47.1.1.1.1.7',
  entPhysicalSerialNum: '1.3.6.1.2.1.47.1.1.1.1.11',
  entPhysicalMfgName: '1.3.6.1.2.1.47.1.1.1.1.12',
  entPhysicalModelName: '1.3.6.1.2.1.47.1.1.1.1.13',
  /** ENTITY-MIB entLastChangeTime.0: sysUpTime of the last change to the entity tables (a module in or out). */
  entLastChangeTime: '1.3.6.1.2.1.47.1.4.1.0',
  entAliasMappingIdentifier: '1.3.6.1.2.1.47.1.3.2.1.2',
});

/**
 * The OID of a table cell: `column` then the row index's arcs. Built by join, which gives one flat
 * string: a template literal gives a rope of two or three objects that V8 flattens on first use
 * into yet another, and a poll plan keeps tens of thousands of these alive, so every major
 * collection marks them (decision 0009).
 */
export function instanceOid(column: string, ...index: readonly (number | string)[]): string {
  return [column, ...index].join('.');
}

/**
 * IF-MIB ifAdminStatus / ifOperStatus values, index = the integer the agent sends. The contract
 * lists the words in IF-MIB's own order (up(1) … lowerLayerDown(7)).
 */
const IF_STATUS_WORDS: readonly (IfStatus | undefined)[] = [undefined, ...IF_STATUSES];

/** An IF-MIB status word, or `unknown` for anything that is not a valid status integer. */
export function ifStatusWord(vb: Varbind | undefined): IfStatus {
  if (!vb || vb.type !== VarbindType.Integer) return 'unknown';
  return IF_STATUS_WORDS[vb.value as number] ?? 'unknown';
}

/** True when the agent said the object does not exist (as opposed to answering with a value). */
export function isMissing(vb: Varbind | undefined): boolean {
  return vb === undefined || vb.type >= VarbindType.NoSuchObject || vb.type === VarbindType.Null;
}

/**
 * The value as a plain number, for the integer-like SMI types only. Validation at the edge: a
 * device that answers an Integer32 column with a string gets no reading, not NaN.
 */
export function intValue(vb: Varbind | undefined): number | null {
  if (!vb) return null;
  const t = vb.type;
  if (
    t === VarbindType.Integer ||
    t === VarbindType.Gauge32 ||
    t === VarbindType.Counter32 ||
    t === VarbindType.TimeTicks
  ) {
    const v = vb.value;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return null;
}

function isPrintable(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b < 0x20 || b > 0x7e) {
      if (b !== 0x09) return false;
    }
  }
  return true;
}

/**
 * An OctetString as text. Devices pad names with NULs and some send UTF-8; bytes that are
 * neither printable ASCII nor valid UTF-8 text come back as `null` (the caller decides whether
 * a hex form is useful).
 */
export function octetText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!(value instanceof Uint8Array)) return null;
  let start = 0;
  let end = value.length;
  while (end > start && value[end - 1] === 0) end--;
  while (start < end && value[start] === 0) start++;
  if (isPrintable(value, start, end))
    return Buffer.from(value.buffer, value.byteOffset + start, end - start).toString('latin1');
  const text = Buffer.from(value.buffer, value.byteOffset + start, end - start).toString('utf8');
  // U+FFFD marks invalid UTF-8; C0 controls mark binary data that happens to decode.
  return text.includes('\uFFFD') || /[\u0000-\u0008\u000e-\u001f]/.test(text) ? null : text;
}

export function textValue(vb: Varbind | undefined): string | null {
  if (!vb || vb.type !== VarbindType.OctetString) return null;
  return octetText(vb.value);
}

const HEX_DUMP = /^(?:0x)?((?:[0-9a-f]{2}[ :-]?)+)$/i;

/**
 * When `text` is itself a hex dump of printable bytes ("46 61 33 2F 30 2F 31", "0x4661332f…",
 * the form `snmpwalk` prints for names it considers binary), the text it encodes.
 */
export function hexDumpText(text: string): string | null {
  const m = HEX_DUMP.exec(text.trim());
  if (!m) return null;
  const hex = m[1]!.replace(/[ :-]/g, '');
  if (hex.length < 4 || hex.length % 2 !== 0) return null;
  return octetText(Buffer.from(hex, 'hex'));
}

/** The row index of `oid` under `column` ("1.2.3" under "1.2" → "3"), or null when not under it. */
export function rowIndex(column: string, oid: string): string | null {
  return oid.startsWith(`${column}.`) ? oid.slice(column.length + 1) : null;
}
