import type { LaneThresholds } from '../../contract/optics.js';
import type { OpticsAdapter as OpticsAdapterId } from '../../contract/port-types.js';
import { errorMessage } from '../../core/errors.js';
import { isMissing } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';

/**
 * An optics adapter turns one vendor's MIB into Rx/Tx dBm per lane. It is mostly data (OIDs,
 * index mapping, units, sentinels, lanes) plus pure decode functions. Work splits in two:
 *
 * - `discover` runs once per device (and again only when the port resolver's mapping moves): it
 *   walks whatever tables map a port to the vendor's index and returns one binding per port.
 * - each poll then only GETs the binding's `oids` and calls its `decode` on the answers.
 */

export type { OpticsAdapterId };

export interface LaneReading {
  /** 1-based, whatever the vendor's own numbering (Juniper counts lanes from 0). */
  readonly lane: number;
  readonly rxDbm: number | null;
  readonly txDbm: number | null;
}

/** A monitored port, already resolved to its interface. */
export interface OpticsPort {
  readonly name: string;
  readonly ifIndex: number;
  readonly ifName?: string;
  readonly ifDescr?: string;
  /** Lanes the port type has (4 for 100GBASE-LR4). */
  readonly lanes: number;
}

/** What one port needs each poll. */
export interface OpticsBinding {
  /** The transceiver's entPhysicalIndex, where the adapter knows it (its vendor, part and serial live there). */
  readonly entity?: number;
  readonly oids: readonly string[];
  /**
   * Bytes an answer's value to each of `oids` takes at most (tag and length included), where it
   * can be more than an integer's (undefined: an integer): a lane list as an OCTET STRING. The
   * poll sizes its PDUs by them (drivers/snmp/pdu-size.ts).
   */
  readonly valueBytes?: readonly (number | undefined)[];
  /** The module's own bounds, read with the binding at discovery (see PortReading.moduleThresholds). */
  readonly thresholds?: LaneThresholds;
  /**
   * `vbs[offset + i]` answers `oids[i]` (undefined or a noSuch* varbind when the agent had no
   * such object). Must not throw: anything unexpected is a null reading.
   */
  decode(vbs: readonly (Varbind | undefined)[], offset: number): LaneReading[];
}

export interface OpticsDiscovery {
  /** By port name. A port without a binding has no transceiver the adapter could find. */
  readonly bindings: ReadonlyMap<string, OpticsBinding>;
  /** Findings worth a log line (units detected, ports without optics, fallbacks used). */
  readonly notes: readonly string[];
}

export interface OpticsAdapter {
  readonly id: OpticsAdapterId;
  /** The MIB the adapter reads, for logs and docs. */
  readonly mib: string;
  /** False for `none`: the port's optics are not read, so they are not judged either. */
  readonly readsOptics: boolean;
  /**
   * True when bindings go through ENTITY-MIB indexes, which move when a transceiver is inserted
   * or swapped: the poller then also reads entLastChangeTime and rediscovers when it moves.
   */
  readonly entityIndexed?: boolean;
  discover(reader: SnmpReader, ports: readonly OpticsPort[]): Promise<OpticsDiscovery>;
}

/** Lanes of a port whose transceiver could not be found: no light is no light. */
export function darkLanes(count: number): LaneReading[] {
  const out: LaneReading[] = [];
  for (let lane = 1; lane <= Math.max(1, count); lane++) out.push({ lane, rxDbm: null, txDbm: null });
  return out;
}

/** Splits a GET list into batches the agent will accept, for discovery-time GETs. */
export async function getMany(reader: SnmpReader, oids: readonly string[], batch = 40): Promise<Varbind[]> {
  const out: Varbind[] = [];
  for (let i = 0; i < oids.length; i += batch) out.push(...(await reader.get(oids.slice(i, i + batch))));
  return out;
}

/**
 * Discovery's one read of an ifIndex-indexed transceiver table: the same columns for every port,
 * in getMany batches, the first two being the port's Rx and Tx power. Per port: its row, in
 * column order; `null` when the table has no row for it (both powers noSuch*: no transceiver, so
 * the port is left unbound and the poller looks again now and then); `undefined` when the agent
 * refused the request, so nothing is known and the port is bound as before. Notes say which.
 */
export async function ifIndexRows(
  reader: SnmpReader,
  ports: readonly OpticsPort[],
  columns: readonly string[],
  table: string,
  notes: string[],
): Promise<Map<string, readonly (Varbind | undefined)[] | null | undefined>> {
  const out = new Map<string, readonly (Varbind | undefined)[] | null | undefined>();
  let vbs: Varbind[];
  try {
    vbs = await getMany(
      reader,
      ports.flatMap((p) => columns.map((c) => `${c}.${p.ifIndex}`)),
    );
  } catch (err) {
    notes.push(`module thresholds not read (${errorMessage(err)})`);
    for (const p of ports) out.set(p.name, undefined);
    return out;
  }
  ports.forEach((p, i) => {
    const row = vbs.slice(i * columns.length, (i + 1) * columns.length);
    const absent = isMissing(row[0]) && isMissing(row[1]);
    if (absent) notes.push(`${p.name}: no row in ${table} (no transceiver)`);
    out.set(p.name, absent ? null : row);
  });
  return out;
}
