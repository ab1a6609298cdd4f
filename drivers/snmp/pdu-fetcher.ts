import type { Logger } from '../../core/logger.js';
import { ErrorStatus, isSnmpError, type SnmpReader, type Varbind } from '../transport/snmp.js';

/** One GET PDU's OIDs and where its answers go in the poll's flat varbind list. */
export interface Chunk {
  readonly start: number;
  readonly oids: readonly string[];
}

/**
 * Frozen: the same array is asked every poll for as long as the plan lives, and a frozen one lets
 * the v2c GET client encode it once and copy those bytes on every later GET (snmp-community-get.ts).
 */
export function chunk(oids: readonly string[], size: number): Chunk[] {
  const out: Chunk[] = [];
  for (let i = 0; i < oids.length; i += size)
    out.push({ start: i, oids: Object.freeze(oids.slice(i, i + size)) });
  return out;
}

/**
 * GETs a list of OIDs in PDUs of the device's size, in parallel. A PDU the device answers tooBig
 * for is split, and the size that fits is kept for later polls; an SNMPv1-style noSuchName drops
 * the blamed OID (its answer stays undefined) and asks again for the rest.
 */
export class PduFetcher {
  readonly #reader: SnmpReader;
  readonly #log: Logger;
  readonly #deviceId: string;
  #pduSize: number;

  constructor(reader: SnmpReader, varbindsPerPdu: number, log: Logger, deviceId: string) {
    this.#reader = reader;
    this.#log = log;
    this.#deviceId = deviceId;
    this.#pduSize = Math.max(1, varbindsPerPdu);
  }

  /** Current varbinds per PDU (lowered for good when the device answers tooBig). */
  get pduSize(): number {
    return this.#pduSize;
  }

  /** Answers for `oids`, position by position, from `chunks` (cut from `oids` at `chunkSize`). */
  async fetch(
    oids: readonly string[],
    chunks: readonly Chunk[],
    chunkSize: number,
  ): Promise<(Varbind | undefined)[]> {
    const vbs = new Array<Varbind | undefined>(oids.length);
    if (chunks.length === 1) await this.#fetchChunk(chunks[0]!.oids, chunks[0]!.start, vbs, chunkSize);
    else await Promise.all(chunks.map((c) => this.#fetchChunk(c.oids, c.start, vbs, chunkSize)));
    return vbs;
  }

  /**
   * GETs one PDU into `into[start…]`. `full` is the PDU size this chunk was cut to: only a full
   * chunk failing says that size is too big (the short last chunk failing only says its own is).
   */
  async #fetchChunk(
    oids: readonly string[],
    start: number,
    into: (Varbind | undefined)[],
    full: number,
  ): Promise<void> {
    let answer: Varbind[];
    try {
      answer = await this.#reader.get(oids);
    } catch (err) {
      if (!isSnmpError(err) || err.errorStatus === undefined) throw err;
      if (err.errorStatus === ErrorStatus.tooBig && oids.length > 1) {
        const half = Math.ceil(oids.length / 2);
        // Remember the size that fits, so later polls do not pay for the failed attempt again.
        if (oids.length >= full && half < this.#pduSize) {
          this.#log.info(
            { device: this.#deviceId, varbinds: half },
            'device answered tooBig; smaller PDUs from now on',
          );
          this.#pduSize = half;
        }
        await Promise.all([
          this.#fetchChunk(oids.slice(0, half), start, into, half),
          this.#fetchChunk(oids.slice(half), start + half, into, half),
        ]);
        return;
      }
      // SNMPv1-style agents answer a missing object with noSuchName for the whole PDU.
      const blamed =
        err.errorStatus === ErrorStatus.noSuchName && err.errorOid ? oids.indexOf(err.errorOid) : -1;
      if (blamed >= 0) {
        const rest = oids.filter((_, i) => i !== blamed);
        if (rest.length === 0) return;
        const restVbs: (Varbind | undefined)[] = [];
        await this.#fetchChunk(rest, 0, restVbs, full);
        for (let i = 0, j = 0; i < oids.length; i++) if (i !== blamed) into[start + i] = restVbs[j++];
        return;
      }
      throw err;
    }
    for (let i = 0; i < answer.length; i++) into[start + i] = answer[i];
  }
}
