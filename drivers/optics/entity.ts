import { OID, octetText, rowIndex } from '../mib/mib.js';
import { type SnmpReader, type Varbind, VarbindType } from '../transport/snmp.js';
import type { OpticsPort } from './adapter.js';

/**
 * ENTITY-MIB (RFC 6933) helpers shared by the entity-indexed adapters (Huawei, Cisco, RFC 3433
 * sensors): physical names, containment and the alias mapping to ifIndex. The parsing and
 * matching functions are pure; EntityTables only walks, each table at most once per discovery.
 */

export interface EntityNames {
  readonly name?: string;
  readonly descr?: string;
}

/** entAliasMappingIdentifier rows → entPhysicalIndex → ifIndex (rows pointing at ifIndex.N only). */
export function parseAliasMapping(rows: readonly Varbind[]): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `${OID.ifIndex}.`;
  for (const vb of rows) {
    const idx = rowIndex(OID.entAliasMappingIdentifier, vb.oid);
    const m = idx && /^(\d+)\.(\d+)$/.exec(idx);
    if (!m || vb.type !== VarbindType.OID || typeof vb.value !== 'string') continue;
    if (!vb.value.startsWith(prefix)) continue;
    const ifIndex = Number(vb.value.slice(prefix.length));
    if (!Number.isInteger(ifIndex)) continue;
    const ent = Number(m[1]);
    // entAliasLogicalIndexOrZero = 0 is the mapping valid in every logical entity: prefer it.
    if (m[2] === '0' || !out.has(ent)) out.set(ent, ifIndex);
  }
  return out;
}

export function parseIntColumn(column: string, rows: readonly Varbind[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const vb of rows) {
    const idx = rowIndex(column, vb.oid);
    if (idx === null || !/^\d+$/.test(idx)) continue;
    if (typeof vb.value === 'number' && vb.type === VarbindType.Integer) out.set(Number(idx), vb.value);
  }
  return out;
}

export function parseTextColumn(column: string, rows: readonly Varbind[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const vb of rows) {
    const idx = rowIndex(column, vb.oid);
    if (idx === null || !/^\d+$/.test(idx)) continue;
    const t = octetText(vb.value);
    if (t) out.set(Number(idx), t);
  }
  return out;
}

/** Walks ENTITY-MIB tables lazily, each once. */
export class EntityTables {
  #names: Promise<Map<number, EntityNames>> | undefined;
  #containedIn: Promise<Map<number, number>> | undefined;
  #alias: Promise<Map<number, number>> | undefined;

  constructor(private readonly reader: SnmpReader) {}

  names(): Promise<Map<number, EntityNames>> {
    this.#names ??= (async () => {
      const [n, d] = await Promise.all([
        this.reader.walk(OID.entPhysicalName),
        this.reader.walk(OID.entPhysicalDescr),
      ]);
      const names = parseTextColumn(OID.entPhysicalName, n);
      const descrs = parseTextColumn(OID.entPhysicalDescr, d);
      const out = new Map<number, EntityNames>();
      for (const i of new Set([...names.keys(), ...descrs.keys()])) {
        const name = names.get(i);
        const descr = descrs.get(i);
        out.set(i, { ...(name ? { name } : {}), ...(descr ? { descr } : {}) });
      }
      return out;
    })();
    return this.#names;
  }

  containedIn(): Promise<Map<number, number>> {
    this.#containedIn ??= this.reader
      .walk(OID.entPhysicalContainedIn)
      .then((rows) => parseIntColumn(OID.entPhysicalContainedIn, rows));
    return this.#containedIn;
  }

  aliasToIfIndex(): Promise<Map<number, number>> {
    this.#alias ??= this.reader.walk(OID.entAliasMappingIdentifier).then(parseAliasMapping);
    return this.#alias;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether `text` names the port `token` as a whole interface name: "Te1/1" is in "Te1/1 Receive
 * Power Sensor" but not in "Te1/10 …" or in the breakout "Ethernet1/1/2".
 */
export function mentionsPort(text: string, token: string): boolean {
  if (!token) return false;
  const re = new RegExp(`(?<![A-Za-z0-9/:.])${escapeRegExp(token)}(?![A-Za-z0-9/:]|\\.\\d)`, 'i');
  return re.test(text);
}

const RX_WORDS = /\b(?:rx|receive[rd]?|input)\b/i;
const TX_WORDS = /\b(?:tx|transmit(?:ter|ted)?|output)\b/i;

/** Receive or transmit, from a sensor's name; null when it says neither or both. */
export function sensorDirection(text: string | undefined): 'rx' | 'tx' | null {
  if (!text) return null;
  const rx = RX_WORDS.test(text);
  const tx = TX_WORDS.test(text);
  if (rx === tx) return null;
  return rx ? 'rx' : 'tx';
}

/** "Lane 3" / "lane3" in a sensor name. */
export function sensorLane(text: string | undefined): number | null {
  const m = text ? /\blane\s*(\d+)\b/i.exec(text) : null;
  return m ? Number(m[1]) : null;
}

export interface SensorLaneMap {
  readonly lane: number;
  readonly rx?: number;
  readonly tx?: number;
}

export interface SensorMatchInput {
  /** Candidate sensors (already filtered to optical power types) by entPhysicalIndex. */
  readonly sensors: readonly number[];
  readonly names: ReadonlyMap<number, EntityNames>;
  readonly ports: readonly OpticsPort[];
  /** Fallback for sensors whose names do not mention a port: ENTITY-MIB containment. */
  readonly containedIn?: ReadonlyMap<number, number>;
  readonly aliasToIfIndex?: ReadonlyMap<number, number>;
}

function portTokens(p: OpticsPort): string[] {
  return [...new Set([p.name, p.ifName, p.ifDescr].filter((t): t is string => Boolean(t)))];
}

/**
 * Pure: which sensors measure which port's Rx and Tx, per lane. A sensor goes to the port whose
 * name it mentions (the longest mentioned name wins, so "TenGigabitEthernet1/1" beats a stray
 * "1/1"); sensors that mention none are placed through containment when that is given.
 */
export function matchSensorsToPorts(input: SensorMatchInput): Map<string, SensorLaneMap[]> {
  type Hit = { sensor: number; dir: 'rx' | 'tx'; lane: number | null };
  const hits = new Map<string, Hit[]>();
  const tokens = input.ports.map((p) => ({ port: p, tokens: portTokens(p) }));
  const byIfIndex = new Map(input.ports.map((p) => [p.ifIndex, p]));
  for (const sensor of [...input.sensors].sort((a, b) => a - b)) {
    const n = input.names.get(sensor);
    const text = [n?.name, n?.descr].filter(Boolean).join(' ');
    const dir = sensorDirection(n?.name) ?? sensorDirection(n?.descr);
    if (!dir) continue;
    let best: { port: OpticsPort; len: number } | undefined;
    for (const { port, tokens: ts } of tokens) {
      for (const t of ts) {
        if (t.length > (best?.len ?? 0) && mentionsPort(text, t)) best = { port, len: t.length };
      }
    }
    let port = best?.port;
    if (!port && input.containedIn && input.aliasToIfIndex) {
      let cur: number | undefined = sensor;
      for (let depth = 0; depth < 16 && cur !== undefined && cur !== 0 && !port; depth++) {
        const ifIndex = input.aliasToIfIndex.get(cur);
        if (ifIndex !== undefined) port = byIfIndex.get(ifIndex);
        cur = input.containedIn.get(cur);
      }
    }
    if (!port) continue;
    const list = hits.get(port.name) ?? [];
    list.push({ sensor, dir, lane: sensorLane(n?.name) ?? sensorLane(n?.descr) });
    hits.set(port.name, list);
  }
  const out = new Map<string, SensorLaneMap[]>();
  for (const [name, list] of hits) {
    // Vendors that count lanes from 0 are shifted so lanes are 1-based everywhere.
    const shift = list.some((h) => h.lane === 0) ? 1 : 0;
    const lanes = new Map<number, { rx?: number; tx?: number }>();
    for (const h of list) {
      const lane = (h.lane ?? 1) + shift;
      const entry = lanes.get(lane) ?? {};
      if (entry[h.dir] === undefined) entry[h.dir] = h.sensor;
      lanes.set(lane, entry);
    }
    out.set(
      name,
      [...lanes.entries()].sort((a, b) => a[0] - b[0]).map(([lane, e]) => ({ lane, ...e })),
    );
  }
  return out;
}

/** Ports → the entities that alias-map to their ifIndex. */
export function entitiesByIfIndex(alias: ReadonlyMap<number, number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [ent, ifIndex] of alias) {
    const l = out.get(ifIndex) ?? [];
    l.push(ent);
    out.set(ifIndex, l);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}
