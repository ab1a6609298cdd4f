/**
 * The SNMP v1/v2c pieces that carry no codec: the BER tags and the OID order a walk follows.
 * Shared by the lab's agent (lab/snmp/mib-view.ts) and the test fakes (test/fakes/snmp-ber.ts), which
 * encode on their own but must agree on these.
 */

export const TAG = Object.freeze({
  Integer: 0x02,
  OctetString: 0x04,
  Null: 0x05,
  OID: 0x06,
  Sequence: 0x30,
  IpAddress: 0x40,
  Counter32: 0x41,
  Gauge32: 0x42,
  TimeTicks: 0x43,
  Counter64: 0x46,
  NoSuchObject: 0x80,
  NoSuchInstance: 0x81,
  EndOfMibView: 0x82,
  GetRequest: 0xa0,
  GetNextRequest: 0xa1,
  Response: 0xa2,
  SetRequest: 0xa3,
  GetBulkRequest: 0xa5,
  Report: 0xa8,
} as const);

/** Orders OIDs given as arcs the way GETNEXT walks them (lexicographic, a prefix first). */
export function compareArcs(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The first entry of `sorted` (ascending by compareArcs) strictly after `arcs`: a binary search. */
export function firstAfter<T extends { readonly arcs: readonly number[] }>(
  sorted: readonly T[],
  arcs: readonly number[],
): T | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareArcs(sorted[mid]!.arcs, arcs) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}
