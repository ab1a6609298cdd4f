import { gzipSync } from 'node:zlib';
import { connectionRecordSchema } from '../agent/connections.js';
import type { StreamEntry } from '../agent/events/stream.js';
import type { AgentConfig } from '../config/load.js';
import { inventoryPollLeaseMs } from '../config/timing.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';
import {
  byName,
  type ConnectionCell,
  connectionCell,
  deviceRow,
  emptyCounts,
  FLEET_STATES,
  type Fleet,
  type FleetState,
  parseTrackState,
  polledDevices,
  readAllCells,
} from './fleet.js';

/**
 * The fleet kept in memory, so `GET /api/fleet` at 10,000 ports is a copy of a string, not ten
 * thousand reads. It is read whole once, then kept true by what moves it:
 * - an event about a connection re-reads that connection (its record, state, trend, audit,
 *   intent: one pipelined round trip), since every transition the agent reports is written with
 *   its event;
 * - the tracked set's version counter (one GET every few seconds) re-reads it whole when a
 *   connection came or went;
 * - the poll leases (one MGET and a ZSCORE per live replica, as often) say which devices are
 *   still polled, the fleet's "stale";
 * - a slow full re-read (`resyncMs`) catches what changes with no event: a warning episode or a
 *   trend that closed, a streak of failed polls not yet `monitoring.degraded`.
 * It keeps each connection's cell, not its tracker state, and each device's row as JSON: a change
 * re-serialises the rows it touched, so a busy stream does not rebuild ten thousand cells per read.
 */
export class FleetModel {
  private readonly cells = new Map<string, ConnectionCell>();
  private readonly byDevice = new Map<string, Map<string, ConnectionCell>>();
  private readonly inventory: ReadonlyMap<string, readonly string[]>;
  /** Each device's row as JSON with its counts, until something on the device changes. */
  private readonly rows = new Map<string, { json: string; counts: Record<FleetState, number> }>();
  private order: string[] | undefined;
  private polled: ReadonlySet<string> = new Set();
  private version: string | null | undefined;
  /** The newest stream entry whose effect the model holds; a page follows the stream from it. */
  private processed = '0-0';
  private json: string | undefined;
  private gzipped: Buffer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<string>();
  private flush: NodeJS.Timeout | undefined;
  private pendingId: string | undefined;
  private working: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly o: {
      readonly checkMs: number;
      readonly resyncMs: number;
      readonly onError: (err: unknown) => void;
    },
  ) {
    this.inventory = new Map(cfg.devices.map((d) => [d.id, d.ports.map((p) => p.name)]));
  }

  /** Reads the fleet whole; `head` is the stream position read before it. */
  async start(head: string): Promise<void> {
    this.processed = head;
    await this.loadAll();
    await this.checkLeases();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => {
        this.serial(fn);
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.checkMs, async () => {
      await this.checkVersion();
      await this.checkLeases();
    });
    every(this.o.resyncMs, () => this.loadAll());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flush) clearTimeout(this.flush);
  }

  /** Where a page that takes this snapshot follows the stream from. */
  get streamId(): string {
    return this.processed;
  }

  snapshot(): string {
    if (this.json === undefined) {
      const counts = emptyCounts();
      const rows: string[] = [];
      for (const device of this.deviceOrder()) {
        const row = this.row(device);
        rows.push(row.json);
        for (const s of FLEET_STATES) counts[s] += row.counts[s];
      }
      // The shape of `Fleet` plus the stream id, spelled out so the rows need no second encoding.
      this.json = `{"devices":[${rows.join(',')}],"counts":${JSON.stringify(counts)},"at":${JSON.stringify(
        new Date().toISOString(),
      )},"streamId":${JSON.stringify(this.processed)}}`;
      this.gzipped = undefined;
    }
    return this.json;
  }

  /** The inventory's devices and any other device with tracked connections, in name order. */
  private deviceOrder(): string[] {
    this.order ??= [...new Set([...this.inventory.keys(), ...this.byDevice.keys()])].sort(byName);
    return this.order;
  }

  private row(device: string): { json: string; counts: Record<FleetState, number> } {
    let row = this.rows.get(device);
    if (!row) {
      const { id, ports, counts } = deviceRow(
        device,
        this.inventory.get(device) ?? [],
        this.byDevice.get(device)?.values() ?? [],
        this.polled.has(device),
      );
      row = { json: JSON.stringify({ id, ports } satisfies Fleet['devices'][number]), counts };
      this.rows.set(device, row);
    }
    return row;
  }

  private changed(device: string): void {
    this.rows.delete(device);
    this.json = undefined;
  }

  private put(cell: ConnectionCell): void {
    const old = this.cells.get(cell.connectionId);
    if (old && old.device !== cell.device) this.drop(cell.connectionId);
    this.cells.set(cell.connectionId, cell);
    let onDevice = this.byDevice.get(cell.device);
    if (!onDevice) {
      onDevice = new Map();
      this.byDevice.set(cell.device, onDevice);
      this.order = undefined;
    }
    onDevice.set(cell.connectionId, cell);
    this.changed(cell.device);
  }

  private drop(connectionId: string): void {
    const old = this.cells.get(connectionId);
    if (!old) return;
    this.cells.delete(connectionId);
    const onDevice = this.byDevice.get(old.device);
    onDevice?.delete(connectionId);
    if (onDevice?.size === 0) {
      this.byDevice.delete(old.device);
      this.order = undefined;
    }
    this.changed(old.device);
  }

  /** The snapshot compressed once per change: 1.5 MB at 10,000 ports is about 100 KB gzipped. */
  snapshotGzip(): Buffer {
    const json = this.snapshot();
    this.gzipped ??= gzipSync(json, { level: 6 });
    return this.gzipped;
  }

  /** Entries from the events stream, in order: their connections are re-read shortly, together. */
  onEvents(entries: readonly StreamEntry[]): void {
    for (const { event, streamId } of entries) {
      this.pending.add(event.subject);
      this.pendingId = streamId;
    }
    // A burst (a switch rebooting) becomes one pipelined read, 100 ms after it began.
    this.flush ??= setTimeout(() => {
      this.flush = undefined;
      this.serial(() => this.refreshPending());
    }, 100);
  }

  /** One refresh at a time, so a slow full read and an event's re-read never interleave. */
  private serial(fn: () => Promise<void>): void {
    if (this.stopped) return;
    this.working = this.working.then(fn).catch((err) => this.o.onError(err));
  }

  private async loadAll(): Promise<void> {
    const version = await this.redis.get(this.keys.trackedVersion);
    const all = await readAllCells(this.redis, this.keys, [...this.inventory.keys()]);
    this.cells.clear();
    this.byDevice.clear();
    this.rows.clear();
    this.order = undefined;
    for (const c of all) this.put(c);
    this.version = version;
    this.json = undefined;
  }

  private async checkVersion(): Promise<void> {
    const version = await this.redis.get(this.keys.trackedVersion);
    if (version !== this.version) await this.loadAll();
  }

  private async checkLeases(): Promise<void> {
    const polled = await polledDevices(
      this.redis,
      this.keys,
      [...this.byDevice.keys()],
      inventoryPollLeaseMs(this.cfg.monitoring),
      Date.now(),
    );
    const flipped = new Set([...polled, ...this.polled].filter((d) => polled.has(d) !== this.polled.has(d)));
    this.polled = polled;
    for (const d of flipped) this.changed(d);
  }

  private async refreshPending(): Promise<void> {
    const ids = [...this.pending];
    const upTo = this.pendingId;
    this.pending.clear();
    if (ids.length === 0) return;
    // A connection provisioned or removed moves the version: the whole set is read again.
    const version = await this.redis.get(this.keys.trackedVersion);
    if (version !== this.version) {
      await this.loadAll();
    } else {
      const pipe = this.redis.pipeline();
      for (const id of ids) {
        const known = this.cells.get(id);
        pipe.hmget(this.keys.connection(id), 'record', 'tracker');
        pipe.exists(this.keys.opticsTrend(id));
        // Subjects that are not connections (a device's audit) read nothing more.
        pipe.hget(this.keys.audits(known?.device ?? '-'), id);
        pipe.hget(this.keys.intents(known?.device ?? '-'), id);
      }
      const replies = (await pipe.exec()) ?? [];
      ids.forEach((id, i) => {
        type Reply = [Error | null, unknown];
        const [[e1, rt], [e2, trend], [e3, audit], [e4, intent]] = replies.slice(i * 4, i * 4 + 4) as [
          Reply,
          Reply,
          Reply,
          Reply,
        ];
        if (e1 || e2 || e3 || e4) throw e1 ?? e2 ?? e3 ?? e4;
        const [recordText, trackerText] = rt as [string | null, string | null];
        const record = recordText ? connectionRecordSchema.safeParse(safeJson(recordText)) : undefined;
        if (!record?.success) {
          this.drop(id);
          return;
        }
        const auditDoc =
          typeof audit === 'string' ? (safeJson(audit) as { drifts?: unknown[] } | undefined) : undefined;
        const intentDoc =
          typeof intent === 'string'
            ? (safeJson(intent) as { description?: unknown } | undefined)
            : undefined;
        this.put(
          connectionCell({
            record: record.data,
            state: trackerText ? parseTrackState(safeJson(trackerText)) : undefined,
            trendOpen: Number(trend) > 0,
            drift: Array.isArray(auditDoc?.drifts) && auditDoc.drifts.length > 0,
            description: typeof intentDoc?.description === 'string' ? intentDoc.description : null,
          }),
        );
      });
    }
    if (upTo) this.processed = upTo;
    // The stream id is part of the snapshot, whatever the rows did.
    this.json = undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type { Fleet };
