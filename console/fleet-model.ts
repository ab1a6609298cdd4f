import { gzipSync } from 'node:zlib';
import { connectionRecordSchema } from '../agent/connections.js';
import type { StreamEntry } from '../agent/events/stream.js';
import type { AgentConfig } from '../config/load.js';
import { inventoryPollLeaseMs } from '../config/timing.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';
import {
  buildFleet,
  type ConnectionFacts,
  type Fleet,
  parseTrackState,
  polledDevices,
  readAllFacts,
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
 */
export class FleetModel {
  private readonly facts = new Map<string, ConnectionFacts>();
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
  ) {}

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
      this.json = JSON.stringify({
        ...buildFleet(this.cfg, this.facts.values(), this.polled),
        streamId: this.processed,
      });
      this.gzipped = undefined;
    }
    return this.json;
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
    const all = await readAllFacts(this.redis, this.keys);
    this.facts.clear();
    for (const f of all) this.facts.set(f.record.connectionId, f);
    this.version = version;
    this.json = undefined;
  }

  private async checkVersion(): Promise<void> {
    const version = await this.redis.get(this.keys.trackedVersion);
    if (version !== this.version) await this.loadAll();
  }

  private async checkLeases(): Promise<void> {
    const devices = [...new Set([...this.facts.values()].map((f) => f.record.device))];
    const polled = await polledDevices(
      this.redis,
      this.keys,
      devices,
      inventoryPollLeaseMs(this.cfg.monitoring),
      Date.now(),
    );
    const same = polled.size === this.polled.size && [...polled].every((d) => this.polled.has(d));
    if (!same) {
      this.polled = polled;
      this.json = undefined;
    }
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
        const known = this.facts.get(id);
        pipe.hmget(this.keys.connection(id), 'record', 'tracker');
        pipe.exists(this.keys.opticsTrend(id));
        // Subjects that are not connections (a device's audit) read nothing more.
        pipe.hget(this.keys.audits(known?.record.device ?? '-'), id);
        pipe.hget(this.keys.intents(known?.record.device ?? '-'), id);
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
          this.facts.delete(id);
          return;
        }
        const auditDoc =
          typeof audit === 'string' ? (safeJson(audit) as { drifts?: unknown[] } | undefined) : undefined;
        const intentDoc =
          typeof intent === 'string'
            ? (safeJson(intent) as { description?: unknown } | undefined)
            : undefined;
        this.facts.set(id, {
          record: record.data,
          state: trackerText ? parseTrackState(safeJson(trackerText)) : undefined,
          trendOpen: Number(trend) > 0,
          drift: Array.isArray(auditDoc?.drifts) && auditDoc.drifts.length > 0,
          description: typeof intentDoc?.description === 'string' ? intentDoc.description : null,
        });
      });
    }
    if (upTo) this.processed = upTo;
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
