import { type ConnectionRecord, ConnectionStore } from '../agent/connections.js';
import { observedState, type PortTrackState, portTrackStateSchema } from '../agent/health/track-state.js';
import { readDeviceRecords } from '../agent/intents.js';
import type { AgentConfig } from '../config/load.js';
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

function emptyCounts(): Record<FleetState, number> {
  return Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
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

/** What the fleet knows of one tracked connection: enough to draw its cell. */
export interface ConnectionFacts {
  record: ConnectionRecord;
  state: PortTrackState | undefined;
  trendOpen: boolean;
  drift: boolean;
  description: string | null;
}

/** The fleet from what is known of each connection and which devices a live replica polls. */
export function buildFleet(
  cfg: AgentConfig,
  facts: Iterable<ConnectionFacts>,
  polled: ReadonlySet<string>,
  now = Date.now(),
): Fleet {
  const devices = new Map<string, Map<string, FleetPort>>();
  for (const d of cfg.devices) {
    const ports = new Map<string, FleetPort>();
    for (const p of d.ports) {
      ports.set(p.name, {
        port: p.name,
        connectionId: null,
        state: 'free',
        healthy: null,
        updatedAt: null,
        rxDbm: [],
        description: null,
      });
    }
    devices.set(d.id, ports);
  }
  for (const f of facts) {
    const { connectionId, device, port, since } = f.record;
    const s = f.state;
    const ports = devices.get(device) ?? new Map<string, FleetPort>();
    devices.set(device, ports);
    ports.set(port, {
      port,
      connectionId,
      state: cellState(s, { drift: f.drift, trendOpen: f.trendOpen, polled: polled.has(device) }),
      healthy: pollHealthy(s),
      updatedAt: s?.lastPoll ? new Date(s.lastPoll.at).toISOString() : since,
      rxDbm: s?.lastPoll?.ok ? s.lastPoll.lanes.map((l) => l.rxDbm) : [],
      description: f.description,
    });
  }
  const counts = emptyCounts();
  const out: Fleet['devices'] = [];
  for (const [id, ports] of devices) {
    const list = [...ports.values()].sort((a, b) => a.port.localeCompare(b.port, 'en', { numeric: true }));
    for (const p of list) counts[p.state] += 1;
    out.push({ id, ports: list });
  }
  out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return { devices: out, counts, at: new Date(now).toISOString() };
}

export function parseTrackState(raw: unknown): PortTrackState | undefined {
  const parsed = portTrackStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Every tracked connection's facts, read in pipelined pages (the full read behind the model). */
export async function readAllFacts(redis: RedisClient, keys: RedisKeys): Promise<ConnectionFacts[]> {
  const tracked = await new ConnectionStore(redis, keys).list();
  const trendOpen = new Set<string>();
  for (let i = 0; i < tracked.length; i += 1000) {
    const page = tracked.slice(i, i + 1000);
    const pipe = redis.pipeline();
    for (const t of page) pipe.exists(keys.opticsTrend(t.record.connectionId));
    ((await pipe.exec()) ?? []).forEach(([err, n], j) => {
      if (!err && Number(n) > 0) trendOpen.add(page[j]!.record.connectionId);
    });
  }
  const drifted = new Set<string>();
  const descriptions = new Map<string, string>();
  await Promise.all(
    [...new Set(tracked.map((t) => t.record.device))].map(async (device) => {
      const { intents, audits } = await readDeviceRecords(redis, keys, device);
      for (const [id, intent] of intents) if (intent.description) descriptions.set(id, intent.description);
      for (const [id, audit] of audits) if (audit.drifts.length > 0) drifted.add(id);
    }),
  );
  return tracked.map((t) => ({
    record: t.record,
    state: parseTrackState(t.tracker),
    trendOpen: trendOpen.has(t.record.connectionId),
    drift: drifted.has(t.record.connectionId),
    description: descriptions.get(t.record.connectionId) ?? null,
  }));
}
