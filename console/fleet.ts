import { type ConnectionRecord, ConnectionStore } from '../agent/connections.js';
import { observedState, type PortTrackState, portTrackStateSchema } from '../agent/health/track-state.js';
import { readDeviceRecords } from '../agent/intents.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';

/**
 * The fleet page's data (CONTRACT §9 `GET /api/fleet`): every inventory port and every tracked
 * connection, one state each. Read from what the agents keep in Redis; nothing is polled here.
 */

/** A cell's colour, most urgent reading first: see `cellState`. */
export const FLEET_STATES = [
  'unavailable',
  'stale',
  'drift',
  'degrading',
  'under-construction',
  'available',
  'unknown',
  'free',
] as const;
export type FleetState = (typeof FLEET_STATES)[number];

export interface FleetPort {
  port: string;
  connectionId: string | null;
  state: FleetState;
  healthy: boolean | null;
  updatedAt: string | null;
  /** Extension: the newest poll's Rx per lane, for the cell's tooltip. */
  rxDbm: (number | null)[];
  /** Extension: the description of the recorded intent, for the text filter. */
  description: string | null;
}

export interface Fleet {
  devices: { id: string; ports: FleetPort[] }[];
  counts: Record<FleetState, number>;
  /** Extension: when this was read. */
  at: string;
}

/** Healthy as the tracker judged it: link up both ways and no lane in alarm; null without a good poll. */
export function pollHealthy(s: PortTrackState | undefined): boolean | null {
  const p = s?.lastPoll;
  if (!p?.ok) return null;
  const alarm = p.lanes.some((l) => l.rxState?.endsWith('alarm') || l.txState?.endsWith('alarm'));
  return p.adminStatus === 'up' && p.operStatus === 'up' && !alarm;
}

/**
 * One connection's cell. Loss of the link outranks everything; then a port whose state may be old
 * news (no replica polls its device, or its polls fail); then what an engineer should act on
 * (drift, degrading light); then the lifecycle. The age of the last poll says nothing by itself:
 * the agent writes a steady port's state only when it changes.
 */
export function cellState(
  s: PortTrackState | undefined,
  o: { drift: boolean; trendOpen: boolean; polled: boolean },
): FleetState {
  if (!s) return o.polled ? 'unknown' : 'stale';
  const observed = observedState(s);
  if (observed === 'unavailable') return 'unavailable';
  if (!o.polled || s.lastPoll?.ok === false || s.degraded) return 'stale';
  if (!s.lastPoll) return observed;
  if (o.drift) return 'drift';
  if (o.trendOpen || s.warnings?.some((w) => w.open)) return 'degrading';
  return observed;
}

/**
 * The devices some live replica polls: the device's poll lease names a replica whose heartbeat is
 * younger than a lease, the rule the replicas themselves go by (agent/poll-leases.ts).
 */
export async function polledDevices(
  redis: RedisClient,
  keys: RedisKeys,
  devices: readonly string[],
  leaseMs: number,
  now: number,
): Promise<Set<string>> {
  if (devices.length === 0) return new Set();
  const holders = await redis.mget(...devices.map((d) => keys.pollLease(d)));
  const named = [...new Set(holders.filter((h): h is string => h !== null))];
  const pipe = redis.pipeline();
  for (const h of named) pipe.zscore(keys.replicas, h);
  const beats = named.length > 0 ? ((await pipe.exec()) ?? []) : [];
  const alive = new Set(named.filter((_, i) => now - Number(beats[i]?.[1] ?? 0) < leaseMs));
  return new Set(devices.filter((_, i) => holders[i] !== null && alive.has(holders[i]!)));
}

/** What is read of one tracked connection to draw its cell; kept only as its `ConnectionCell`. */
export interface ConnectionFacts {
  record: ConnectionRecord;
  state: PortTrackState | undefined;
  trendOpen: boolean;
  drift: boolean;
  description: string | null;
}

/**
 * What the fleet keeps of one tracked connection: its cell, worked out both ways its device's poll
 * lease may go, so a lease change redraws a device without re-reading anything. A tracker state is
 * several hundred bytes; this is what the page needs of it.
 */
export interface ConnectionCell {
  device: string;
  port: string;
  connectionId: string;
  polledState: FleetState;
  unpolledState: FleetState;
  healthy: boolean | null;
  updatedAt: string | null;
  rxDbm: (number | null)[];
  description: string | null;
}

export function connectionCell(f: ConnectionFacts): ConnectionCell {
  const { connectionId, device, port, since } = f.record;
  const s = f.state;
  const o = { drift: f.drift, trendOpen: f.trendOpen };
  return {
    device,
    port,
    connectionId,
    polledState: cellState(s, { ...o, polled: true }),
    unpolledState: cellState(s, { ...o, polled: false }),
    healthy: pollHealthy(s),
    updatedAt: s?.lastPoll ? new Date(s.lastPoll.at).toISOString() : since,
    rxDbm: s?.lastPoll?.ok ? s.lastPoll.lanes.map((l) => l.rxDbm) : [],
    description: f.description,
  };
}

export function emptyCounts(): Record<FleetState, number> {
  return Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
}

/** Names as an engineer sorts them: `10GE1/0/2` before `10GE1/0/10`, `sw-9` before `sw-10`. */
export const byName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * One device's row: every inventory port (free unless a connection holds it) and every tracked
 * connection on the device, in port order, with the count per state.
 */
export function deviceRow(
  id: string,
  inventoryPorts: readonly string[],
  cells: Iterable<ConnectionCell>,
  polled: boolean,
): { id: string; ports: FleetPort[]; counts: Record<FleetState, number> } {
  const ports = new Map<string, FleetPort>();
  for (const port of inventoryPorts) {
    ports.set(port, {
      port,
      connectionId: null,
      state: 'free',
      healthy: null,
      updatedAt: null,
      rxDbm: [],
      description: null,
    });
  }
  for (const c of cells) {
    ports.set(c.port, {
      port: c.port,
      connectionId: c.connectionId,
      state: polled ? c.polledState : c.unpolledState,
      healthy: c.healthy,
      updatedAt: c.updatedAt,
      rxDbm: c.rxDbm,
      description: c.description,
    });
  }
  const list = [...ports.values()].sort((a, b) => byName(a.port, b.port));
  const counts = emptyCounts();
  for (const p of list) counts[p.state] += 1;
  return { id, ports: list, counts };
}

export function parseTrackState(raw: unknown): PortTrackState | undefined {
  const parsed = portTrackStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every tracked connection's cell (the full read behind the model), a page at a time, so what is
 * held at once is one page of tracker states and the cells, not ten thousand states.
 */
export async function readAllCells(
  redis: RedisClient,
  keys: RedisKeys,
  inventoryDevices: readonly string[],
): Promise<ConnectionCell[]> {
  // A device's intents and audits (description, drift), read once per device: the inventory's up
  // front, together; a device that left the inventory but still has tracked connections on demand.
  const records = new Map<string, Promise<{ drifted: Set<string>; descriptions: Map<string, string> }>>();
  const recordsOf = (device: string) => {
    let r = records.get(device);
    if (!r) {
      r = readDeviceRecords(redis, keys, device).then(({ intents, audits }) => ({
        drifted: new Set([...audits].filter(([, a]) => a.drifts.length > 0).map(([id]) => id)),
        descriptions: new Map(
          [...intents].flatMap(([id, i]) => (i.description ? [[id, i.description] as const] : [])),
        ),
      }));
      records.set(device, r);
    }
    return r;
  };
  await Promise.all(inventoryDevices.map(recordsOf));
  const cells: ConnectionCell[] = [];
  for await (const page of new ConnectionStore(redis, keys).pages()) {
    const pipe = redis.pipeline();
    for (const t of page) pipe.exists(keys.opticsTrend(t.record.connectionId));
    const trends = (await pipe.exec()) ?? [];
    for (const [j, t] of page.entries()) {
      const [err, n] = trends[j] ?? [null, 0];
      const id = t.record.connectionId;
      const { drifted, descriptions } = await recordsOf(t.record.device);
      cells.push(
        connectionCell({
          record: t.record,
          state: parseTrackState(t.tracker),
          trendOpen: !err && Number(n) > 0,
          drift: drifted.has(id),
          description: descriptions.get(id) ?? null,
        }),
      );
    }
  }
  return cells;
}
